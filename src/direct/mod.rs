//! The single-answer hot path, below SPI.
//!
//! One changed answer of one client is the commonest write there is. Run as SQL, its
//! assignment update costs a plan check, the start-up of a statement of several nodes and a
//! speculative insertion: most of what the trigger adds to the write. Here the transition row
//! is read straight from the trigger's tuplestore, the compiled configuration gives the score
//! change and the new level, and the client's assignment row is found through its primary key,
//! locked, updated (or, on the client's first answer, inserted speculatively as INSERT … ON
//! CONFLICT would) and its history row appended with the executor's single-row routines.
//!
//! | file | what it holds |
//! |---|---|
//! | `answer.rs` | the direct tier of the answers trigger (`apply_one_answer`) |
//! | `given_answer.rs` | `segment.answer()`'s write of the answer row and its effects |
//! | `parameters.rs` | a client row's freshly evaluated parameters (`apply_client_parameters`) |
//! | `ruled.rs` | an answer in a ruled scheme: its client recomputed whole (`apply_ruled_answer`) |
//! | `read.rs` | primary-key probes: `segment.score` / `segment_of`, a client's existence |
//! | `writer.rs` | the single-row writer: lock and update, or first insert; history row |
//! | `executor.rs` | the executor state it writes through; the speculative insert |
//! | `locking.rs` | a row found by its unique key and locked, as UPDATE locks it |
//! | `columns.rs` | where each column of the segment tables is, checked |
//! | `values.rs` | datum copies, comparisons and conversions |
//! | `guards.rs` | relations, indexes, scans and slots that close themselves |
//!
//! Unsafe code stays inside these files: every `unsafe fn` states its contract in a `# Safety`
//! section, and the public functions are safe.

mod answer;
mod columns;
mod executor;
mod given_answer;
mod guards;
mod locking;
mod parameters;
mod read;
mod ruled;
mod values;
mod writer;

pub use answer::apply_one_answer;
pub use given_answer::{write_given_answer, GivenAnswer};
pub use parameters::apply_client_parameters;
pub use read::{client_exists, read_assignment};

/// Whether the transaction runs under READ COMMITTED, the only isolation level the direct
/// writes take (under the others a row they update must be the one the transaction's snapshot
/// shows, which SQL checks).
pub fn read_committed() -> bool {
    // SAFETY: reads a backend global.
    unsafe { pgrx::pg_sys::XactIsoLevel == pgrx::pg_sys::XACT_READ_COMMITTED as i32 }
}

/// Called from the relcache callback: drops what the direct path caches about the relation
/// (every relation for InvalidOid).
pub fn forget_relation(relid: pgrx::pg_sys::Oid) {
    writer::forget_relation(relid);
    given_answer::forget_relation(relid);
}
