//! The direct recompute of one client of a ruled scheme: an answer to one of its questions.
//! The client's row is locked and its answers read (two kept statements of the store), the
//! engine assesses the client from scratch with the compiled scheme (`RuledScheme::assess`, the
//! same assessment verify makes), and the whole assignment is written as the SQL recompute
//! (recompute_ruled.sql) would write it, through the single-row writer.

use super::writer::{write_change, ScoreChange};
use crate::engine::{CompiledConfig, RuledTarget};
use crate::entity::Entity;
use crate::error::Result;
use crate::store;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::{Datum, Oid};

/// Recomputes `client` (a datum of the key type `key_type`, the answering row's) in the ruled
/// scheme `ruled` and writes its assignment and history row. Returns whether it did; false
/// means nothing was written (beyond the client row's lock) and the SQL path must: a database
/// whose text is not UTF-8, the client row is not there, an answer row the compiled scheme does not explain, a number beyond the
/// engine's exact range, a first assignment that meets another writer's, segment tables the
/// direct path does not write.
pub fn apply_ruled_answer(
    entity: &Entity,
    config: &CompiledConfig,
    ruled: &RuledTarget<'_>,
    key_type: Oid,
    client: Datum,
) -> Result<bool> {
    // The compiled scheme holds codes and values as Rust strings, compared byte by byte as SQL
    // compares them only when the database's text is UTF-8.
    // SAFETY: reads the database's encoding, set at connection.
    if unsafe { pgrx::pg_sys::GetDatabaseEncoding() } != pgrx::pg_sys::pg_enc::PG_UTF8 as i32 {
        return Ok(false);
    }
    // SAFETY: the client is a datum of the key type, valid while the trigger runs.
    let key = unsafe { DatumWithOid::new(client, key_type) };
    let column = config.variant_columns.get(&ruled.scheme_id);
    let Some(read) = store::read_ruled_client(entity, &key, column.map(String::as_str)) else {
        return Ok(false);
    };
    let Ok(Some(assignment)) = ruled
        .scheme
        .assess(&read.answers, read.variant_value.as_deref())
    else {
        return Ok(false);
    };
    let change = ScoreChange::Recomputed {
        scheme_id: ruled.scheme_id,
        version: ruled.version,
        assignment: &assignment,
    };
    // SAFETY: inside the answers trigger, whose statement has an active snapshot; the client
    // is a palloc'd copy of a key-type value.
    unsafe { write_change(entity, config, change, key_type, client) }
}
