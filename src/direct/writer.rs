//! The single-row writer: the client's assignment locked by primary key and updated, or on
//! the client's first answer inserted, and its history row appended (`executor.rs` holds the
//! executor state these writes go through).

use super::columns::{attribute, AssignmentColumns, HistoryColumns};
use super::executor::{set_slot_value, slot_value, Writer, Written};
use super::guards::OpenTable;
use super::values::{copy_value, numeric_text, numeric_value, text_contents, text_value};
use crate::cache::BackendCache;
use crate::engine::model::parse_decimal;
use crate::engine::{AnswerDelta, CompiledConfig};
use crate::entity::Entity;
use crate::error::Result;
use crate::security::has_privilege;
use pgrx::pg_sys::{self, Datum, Oid};

extern "C-unwind" {
    // commands/sequence.h, not among pgrx's bindings; call through `next_identity_value`.
    fn nextval_internal(relid: Oid, check_permissions: bool) -> i64;
}

/// History tables a backend remembers the identity sequence of.
const MAX_HISTORY_SEQUENCES: usize = 1024;

thread_local! {
    /// History table OID → the identity sequence of its history_id column. An entry goes with
    /// any relcache invalidation of its table (`forget_relation`). Bound:
    /// `MAX_HISTORY_SEQUENCES`.
    static HISTORY_SEQUENCES: BackendCache<u32, Oid> = BackendCache::new(MAX_HISTORY_SEQUENCES);
}

/// Called from the relcache callback: the table may have changed shape or sequence.
pub fn forget_relation(relid: Oid) {
    HISTORY_SEQUENCES
        .with(|m| m.retain(|table, _| relid != pg_sys::InvalidOid && *table != relid.to_u32()));
}

/// The next value of an identity sequence, drawn without a privilege check as INSERT draws it.
///
/// # Safety
/// `sequence` must be an identity sequence. (An ERROR inside, such as an exhausted sequence,
/// becomes a Rust panic and then the same ERROR again.)
unsafe fn next_identity_value(sequence: Oid) -> i64 {
    pg_sys::ffi::pg_guard_ffi_boundary(|| nextval_internal(sequence, false))
}

/// The identity sequence of the history's history_id column, InvalidOid when it has none.
fn identity_sequence(history: &OpenTable, history_id: usize) -> Oid {
    let relid = history.rel_id();
    if let Some(seq) = HISTORY_SEQUENCES.with(|m| m.get(&relid.to_u32())) {
        return seq;
    }
    if attribute(&history.descriptor(), history_id).attidentity == 0 {
        return pg_sys::InvalidOid;
    }
    let attnum = (history_id + 1) as pg_sys::AttrNumber;
    // SAFETY: a catalog look-up of an open table's column.
    #[cfg(feature = "pg15")]
    let seq = unsafe { pg_sys::getIdentitySequence(relid, attnum, true) };
    // SAFETY: as above.
    #[cfg(not(feature = "pg15"))]
    let seq = unsafe { pg_sys::getIdentitySequence(history.rel(), attnum, true) };
    HISTORY_SEQUENCES.with(|m| m.insert(relid.to_u32(), seq));
    seq
}

/// Locks and updates the client's assignment and appends its history row, or returns false
/// having written nothing.
///
/// # Safety
/// Called from the answers trigger of a statement with an active snapshot; `client` is a
/// valid datum of the key type `key_type`, in a memory context that outlives the call.
pub unsafe fn write_assignment(
    entity: &Entity,
    config: &CompiledConfig,
    delta: &AnswerDelta,
    key_type: Oid,
    client: Datum,
) -> Result<bool> {
    let lock = pg_sys::RowExclusiveLock;
    let assignments = OpenTable::table(entity.assignments_oid, lock);
    let history = OpenTable::table(entity.history_oid, lock);
    let a = AssignmentColumns::find(&assignments.descriptor(), key_type);
    let h = HistoryColumns::find(&history.descriptor(), key_type);
    let (Some(a), Some(h)) = (a, h) else {
        return Ok(false);
    };
    let primary_key = assignments.primary_key_index();
    let sequence = identity_sequence(&history, h.history_id);
    let eligible = primary_key != pg_sys::InvalidOid
        && sequence != pg_sys::InvalidOid
        && assignments.writable_row_by_row(true)
        && history.writable_row_by_row(false)
        && has_privilege(
            entity.assignments_oid,
            pg_sys::ACL_SELECT | pg_sys::ACL_INSERT | pg_sys::ACL_UPDATE,
        )
        && has_privilege(entity.history_oid, pg_sys::ACL_INSERT);
    if !eligible {
        return Ok(false);
    }
    let writer = Writer::new(
        &assignments,
        &Written {
            inserted: &a.inserted(),
            updated: &a.updated(),
        },
        &history,
        &Written {
            inserted: &h.inserted(),
            updated: &[],
        },
    );

    // The client's assignment, found by primary key and locked like UPDATE locks it: waits
    // for a concurrent writer of the same client, then reads the version it committed.
    let search = writer.null_slot(writer.assignments);
    set_slot_value(search, a.scheme_id, Some(Datum::from(delta.scheme_id)));
    set_slot_value(search, a.client_id, Some(client));
    pg_sys::ExecStoreVirtualTuple(search);
    // Rows this transaction wrote earlier in the same command must be visible to the lock.
    pg_sys::CommandCounterIncrement();
    let current = pg_sys::table_slot_create(assignments.rel(), &mut (*writer.estate).es_tupleTable);
    let found = pg_sys::RelationFindReplTupleByIndex(
        assignments.rel(),
        primary_key,
        pg_sys::LockTupleMode::LockTupleNoKeyExclusive,
        search,
        current,
    );
    let history_row = HistoryRow {
        columns: &h,
        sequence,
        client,
    };
    let outcome = if found {
        update_locked(&writer, config, delta, current, &a, &history_row)
    } else if assignments.without_generated_columns() {
        insert_first(&writer, config, delta, &a, &history_row)
    } else {
        Ok(false)
    };
    drop(writer);
    if matches!(outcome, Ok(true)) {
        pg_sys::CommandCounterIncrement();
    }
    outcome
}

/// Where and how a direct write appends the client's history row.
struct HistoryRow<'a> {
    columns: &'a HistoryColumns,
    /// the identity sequence of history_id
    sequence: Oid,
    /// the client key, a datum of the key type
    client: Datum,
}

/// A score and segment of the client before or after a write (None: NULL).
struct Scored {
    score: Option<Datum>,
    segment: Option<Datum>,
}

/// Writes the locked assignment row `current` and its history row; false (nothing written)
/// when the row is not one this path updates.
///
/// # Safety
/// `current` holds the locked assignment row, read through `writer`'s assignments relation.
unsafe fn update_locked(
    writer: &Writer,
    config: &CompiledConfig,
    delta: &AnswerDelta,
    current: *mut pg_sys::TupleTableSlot,
    a: &AssignmentColumns,
    history: &HistoryRow<'_>,
) -> Result<bool> {
    pg_sys::slot_getallattrs(current);
    let desc = pgrx::PgTupleDesc::from_pg_unchecked((*current).tts_tupleDescriptor);
    let (old_score, score_null) = slot_value(current, a.score);
    let (answered, _) = slot_value(current, a.answered);
    let (old_segment, segment_null) = slot_value(current, a.segment);
    let answered = answered.value() as i32 + delta.answered;
    if score_null || answered <= 0 {
        return Ok(false); // the last answer went: SQL deletes the assignment
    }
    // A score beyond the engine's exact range stays with SQL's arbitrary precision.
    let Ok(previous) = parse_decimal(&numeric_text(old_score)) else {
        return Ok(false);
    };
    let Ok((score, level)) = config.rescore(delta, previous) else {
        return Ok(false);
    };
    let old_score =
        copy_value(&attribute(&desc, a.score), old_score).expect("numeric is a varlena");
    let old_segment_text = (!segment_null).then(|| text_contents(old_segment));
    let old_segment = (!segment_null)
        .then(|| copy_value(&attribute(&desc, a.segment), old_segment).expect("text is a varlena"));
    let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
    let new_score = numeric_value(&score.to_string());
    let new_segment = level.map(text_value);
    let version = Datum::from(delta.version);

    let next = writer.slot(writer.assignments);
    for i in 0..desc.len() {
        let (value, null) = slot_value(current, i);
        set_slot_value(next, i, (!null).then_some(value));
    }
    set_slot_value(next, a.score, Some(new_score));
    set_slot_value(next, a.answered, Some(Datum::from(answered)));
    set_slot_value(next, a.segment, new_segment);
    set_slot_value(next, a.version, Some(version));
    set_slot_value(next, a.assigned_at, Some(now));
    set_slot_value(next, a.previous_score, Some(old_score));
    set_slot_value(next, a.previous_segment, old_segment);
    pg_sys::ExecStoreVirtualTuple(next);

    pg_sys::AfterTriggerBeginQuery();
    pg_sys::ExecSimpleRelationUpdate(writer.assignments, writer.estate, writer.epq, current, next);
    if previous != score || old_segment_text.as_deref() != level {
        let old = Scored {
            score: Some(old_score),
            segment: old_segment,
        };
        let new = Scored {
            score: Some(new_score),
            segment: new_segment,
        };
        append_history(writer, delta, history, &old, &new, now);
    }
    // Fires the row triggers the writes queued: foreign key checks, and any of the user's.
    pg_sys::AfterTriggerEndQuery(writer.estate);
    Ok(true)
}

/// The client's first answer in the scheme: inserts its assignment, as the SQL path's
/// INSERT … ON CONFLICT does, and its history row. False (nothing visible written) when the
/// change is not a first answer, or when a concurrent writer's assignment for the client
/// appeared meanwhile; the SQL path then waits for that writer and adds to its row.
///
/// # Safety
/// As `write_assignment`, with `writer` made there.
unsafe fn insert_first(
    writer: &Writer,
    config: &CompiledConfig,
    delta: &AnswerDelta,
    a: &AssignmentColumns,
    history: &HistoryRow<'_>,
) -> Result<bool> {
    if delta.answered != 1 {
        return Ok(false); // only a new answer can be a client's first
    }
    let Ok((score, level)) = config.rescore(delta, rust_decimal::Decimal::ZERO) else {
        return Ok(false);
    };
    let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
    let new = Scored {
        score: Some(numeric_value(&score.to_string())),
        segment: level.map(text_value),
    };
    let row = writer.null_slot(writer.assignments);
    set_slot_value(row, a.scheme_id, Some(Datum::from(delta.scheme_id)));
    set_slot_value(row, a.client_id, Some(history.client));
    set_slot_value(row, a.score, new.score);
    set_slot_value(row, a.answered, Some(Datum::from(1i32)));
    set_slot_value(row, a.segment, new.segment);
    set_slot_value(row, a.version, Some(Datum::from(delta.version)));
    set_slot_value(row, a.assigned_at, Some(now));
    pg_sys::ExecStoreVirtualTuple(row);

    pg_sys::AfterTriggerBeginQuery();
    let inserted = writer.insert_speculatively(row);
    if inserted {
        let old = Scored {
            score: None,
            segment: None,
        };
        append_history(writer, delta, history, &old, &new, now);
    }
    pg_sys::AfterTriggerEndQuery(writer.estate);
    Ok(inserted)
}

/// Appends the client's history row for a change from `old` to `new`.
///
/// # Safety
/// As `write_assignment`, with `writer` made there, between `AfterTriggerBeginQuery` and
/// `AfterTriggerEndQuery`; the datums are of the history's column types.
unsafe fn append_history(
    writer: &Writer,
    delta: &AnswerDelta,
    history: &HistoryRow<'_>,
    old: &Scored,
    new: &Scored,
    now: Datum,
) {
    let h = history.columns;
    let row = writer.null_slot(writer.history);
    let history_id = next_identity_value(history.sequence);
    set_slot_value(row, h.history_id, Some(Datum::from(history_id)));
    set_slot_value(row, h.scheme_id, Some(Datum::from(delta.scheme_id)));
    set_slot_value(row, h.client_id, Some(history.client));
    set_slot_value(row, h.changed_at, Some(now));
    set_slot_value(row, h.old_score, old.score);
    set_slot_value(row, h.new_score, new.score);
    set_slot_value(row, h.old_segment, old.segment);
    set_slot_value(row, h.new_segment, new.segment);
    set_slot_value(row, h.cause, Some(text_value("answer")));
    set_slot_value(row, h.version, Some(Datum::from(delta.version)));
    pg_sys::ExecStoreVirtualTuple(row);
    pg_sys::ExecSimpleRelationInsert(writer.history, writer.estate, row);
}
