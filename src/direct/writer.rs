//! The single-row writer: the client's assignment locked by primary key and updated, or on
//! the client's first answer inserted, and its history row appended (`executor.rs` holds the
//! executor state these writes go through).

use super::columns::{attribute, AssignmentColumns, HistoryColumns};
use super::executor::{set_slot_value, slot_value, Speculation, Target, Writer};
use super::guards::OpenTable;
use super::locking::lock_by_key;
use super::values::{
    copy_value, numeric_text, numeric_value, text_array_contents, text_array_value, text_contents,
    text_value,
};
use crate::cache::BackendCache;
use crate::engine::model::{exact_sub, parse_decimal};
use crate::engine::{AnswerDelta, CompiledConfig, RuledAssignment};
use crate::entity::Entity;
use crate::error::Result;
use crate::security::has_privilege;
use pgrx::check_for_interrupts;
use pgrx::pg_sys::{self, Datum, Oid};
use rust_decimal::Decimal;

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

/// What a direct write changes in a client's assignment.
#[derive(Clone, Copy)]
pub enum ScoreChange<'a> {
    /// an answer's change: the score moves by its delta, `answered` by its count
    Answer(&'a AnswerDelta),
    /// the client's parameters evaluated anew, none of the required ones missing: their
    /// weighted points `parameter_score` replace the assignment's, and the score moves by the
    /// difference (as apply_parameters.sql applies them)
    Parameters {
        scheme_id: i32,
        version: i32,
        parameter_score: Decimal,
    },
    /// a client of a ruled scheme recomputed from scratch: its whole assignment replaced (as
    /// recompute_ruled.sql upserts it)
    Recomputed {
        scheme_id: i32,
        version: i32,
        assignment: &'a RuledAssignment,
    },
}

impl ScoreChange<'_> {
    fn scheme_id(self) -> i32 {
        match self {
            ScoreChange::Answer(delta) => delta.scheme_id,
            ScoreChange::Parameters { scheme_id, .. }
            | ScoreChange::Recomputed { scheme_id, .. } => scheme_id,
        }
    }

    fn version(self) -> i32 {
        match self {
            ScoreChange::Answer(delta) => delta.version,
            ScoreChange::Parameters { version, .. } | ScoreChange::Recomputed { version, .. } => {
                version
            }
        }
    }

    /// The history's cause, as the SQL tiers write it.
    fn cause(self) -> &'static str {
        match self {
            ScoreChange::Answer(_) | ScoreChange::Recomputed { .. } => "answer",
            ScoreChange::Parameters { .. } => "client change",
        }
    }
}

/// The assignments and history tables of an entity, open and checked for a direct write.
pub struct SegmentTables {
    assignments: OpenTable,
    history: OpenTable,
    a: AssignmentColumns,
    h: HistoryColumns,
    assignments_inserted: [usize; 8],
    assignments_updated: [usize; 8],
    parameters_updated: [usize; 9],
    recomputed_inserted: [usize; 10],
    recomputed_updated: [usize; 11],
    history_inserted: [usize; 9],
    primary_key: Oid,
    /// the identity sequence of history_id
    sequence: Oid,
}

/// What to do when a client's first assignment meets a concurrent writer's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// write nothing and return false: the caller's SQL statement waits for that writer
    Decline,
    /// wait for that writer, as INSERT … ON CONFLICT does, and add to the row it committed
    Wait,
}

impl SegmentTables {
    /// Opens the entity's assignments and history; None when the direct path does not write
    /// them as SQL would (columns it does not know, no primary key or identity sequence,
    /// statement triggers or transition tables, BEFORE row triggers on the assignments, row
    /// security, missing privileges).
    ///
    /// # Safety
    /// Inside a statement with an active snapshot.
    pub unsafe fn open(entity: &Entity, key_type: Oid) -> Option<SegmentTables> {
        let lock = pg_sys::RowExclusiveLock;
        let assignments = OpenTable::table(entity.assignments_oid, lock);
        let history = OpenTable::table(entity.history_oid, lock);
        let a = AssignmentColumns::find(&assignments.descriptor(), key_type)?;
        let h = HistoryColumns::find(&history.descriptor(), key_type)?;
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
        eligible.then(|| SegmentTables {
            assignments_inserted: a.inserted(),
            assignments_updated: a.updated(),
            parameters_updated: a.parameters_updated(),
            recomputed_inserted: a.recomputed_inserted(),
            recomputed_updated: a.recomputed_updated(),
            history_inserted: h.inserted(),
            assignments,
            history,
            a,
            h,
            primary_key,
            sequence,
        })
    }

    /// The two tables as the targets of a writer of answer changes, assignments first.
    pub fn targets(&self) -> [Target<'_>; 2] {
        self.targets_writing(&self.assignments_inserted, &self.assignments_updated)
    }

    /// The two tables as the targets of a writer of `change`'s kind.
    fn targets_for(&self, change: ScoreChange<'_>) -> [Target<'_>; 2] {
        match change {
            ScoreChange::Answer(_) => self.targets(),
            ScoreChange::Parameters { .. } => {
                self.targets_writing(&self.assignments_inserted, &self.parameters_updated)
            }
            ScoreChange::Recomputed { .. } => {
                self.targets_writing(&self.recomputed_inserted, &self.recomputed_updated)
            }
        }
    }

    fn targets_writing<'t>(
        &'t self,
        inserted: &'t [usize],
        updated: &'t [usize],
    ) -> [Target<'t>; 2] {
        [
            Target {
                table: &self.assignments,
                inserted,
                updated,
                speculative: true,
            },
            Target {
                table: &self.history,
                inserted: &self.history_inserted,
                updated: &[],
                speculative: false,
            },
        ]
    }

    /// Locks and updates the client's assignment and appends its history row, or on the
    /// client's first answer inserts both; false when it wrote nothing and SQL must. `first`
    /// is the index of `targets()`' first table among the writer's.
    ///
    /// # Safety
    /// `writer` was made with the targets of `change`'s kind (`targets()` for an answer's) at
    /// `first`; inside the statement it was made in; `client` is a
    /// valid datum of the key type, in a memory context that outlives the call.
    #[inline(never)] // out of line, so that profiles (bench/profile.py) name it
    pub unsafe fn write(
        &self,
        writer: &Writer,
        first: usize,
        config: &CompiledConfig,
        change: ScoreChange<'_>,
        client: Datum,
        on_conflict: OnConflict,
    ) -> Result<bool> {
        let write = SegmentWrite {
            writer,
            assignments: writer.relation(first),
            history: writer.relation(first + 1),
            tables: self,
            client,
        };
        loop {
            // The client's assignment, found by primary key and locked like UPDATE locks it:
            // waits for a concurrent writer of the same client, then reads the version it
            // committed.
            let search = writer.null_slot(write.assignments);
            set_slot_value(
                search,
                self.a.scheme_id,
                Some(Datum::from(change.scheme_id())),
            );
            set_slot_value(search, self.a.client_id, Some(client));
            pg_sys::ExecStoreVirtualTuple(search);
            // Rows this transaction wrote earlier in the same command must be visible to the
            // lock.
            pg_sys::CommandCounterIncrement();
            let current = pg_sys::table_slot_create(
                self.assignments.rel(),
                &mut (*writer.estate).es_tupleTable,
            );
            let found = lock_by_key(
                &self.assignments,
                self.primary_key,
                search,
                pg_sys::LockTupleMode::LockTupleNoKeyExclusive,
                current,
            );
            if found {
                return match change {
                    ScoreChange::Recomputed { assignment, .. } => {
                        write.update_recomputed(change, assignment, current)
                    }
                    _ => write.update_locked(config, change, current),
                };
            }
            if !self.assignments.generated_columns_only(&[self.a.status]) {
                return Ok(false);
            }
            let inserted = match change {
                ScoreChange::Answer(delta) => write.insert_first(config, delta)?,
                ScoreChange::Recomputed { assignment, .. } => {
                    Some(write.insert_recomputed(change, assignment))
                }
                // (parameters whose client has no assignment yet are left to SQL)
                ScoreChange::Parameters { .. } => return Ok(false),
            };
            match inserted {
                Some(Speculation::Inserted) => return Ok(true),
                Some(Speculation::Conflict) if on_conflict == OnConflict::Wait => {
                    check_for_interrupts!(); // and look again: the lock waits for that writer
                }
                _ => return Ok(false),
            }
        }
    }
}

/// Writes `change` into the client's assignment (locked, updated, or on an answer's first
/// change inserted) with its history row, in a writer of its own; false when it wrote nothing
/// and SQL must (for parameters also: no assignment yet, one without parameter points or with
/// a required parameter missing; tables the direct path does not write).
///
/// # Safety
/// Called from a trigger of a statement with an active snapshot (for parameters, the
/// configuration's lock taken); `client` is a valid datum of the key type `key_type`, in a
/// memory context that outlives the call.
pub unsafe fn write_change(
    entity: &Entity,
    config: &CompiledConfig,
    change: ScoreChange<'_>,
    key_type: Oid,
    client: Datum,
) -> Result<bool> {
    let Some(tables) = SegmentTables::open(entity, key_type) else {
        return Ok(false);
    };
    let writer = Writer::new(&tables.targets_for(change));
    let outcome = tables.write(&writer, 0, config, change, client, OnConflict::Decline);
    drop(writer);
    if matches!(outcome, Ok(true)) {
        pg_sys::CommandCounterIncrement();
    }
    outcome
}

/// The status of an assignment with this segment and no missing or forcing input, as the
/// generated column's expression in sql/entity.sql computes it. Neither the speculative insert
/// nor the update (`Writer::generated_columns_written`) runs generation: both write this value.
fn status_of(segment: Option<&str>) -> &'static str {
    status_of_row(false, false, segment.is_some())
}

/// The generated status column's expression (sql/entity.sql): forced first, then incomplete
/// (a required input missing), then unsegmented (no segment), else scored.
fn status_of_row(forced: bool, missing: bool, segmented: bool) -> &'static str {
    match (forced, missing, segmented) {
        (true, _, _) => "forced",
        (false, true, _) => "incomplete",
        (false, false, false) => "unsegmented",
        (false, false, true) => "scored",
    }
}

/// One direct write of the segment tables: where they are in the writer, and the client.
struct SegmentWrite<'w> {
    writer: &'w Writer,
    assignments: *mut pg_sys::ResultRelInfo,
    history: *mut pg_sys::ResultRelInfo,
    tables: &'w SegmentTables,
    /// the client key, a datum of the key type
    client: Datum,
}

/// A score and segment of the client before or after a write (None: NULL).
struct Scored {
    score: Option<Datum>,
    segment: Option<Datum>,
}

/// A ruled scheme's recomputed assignment as datums (None: NULL), and its status.
struct RecomputedValues {
    scored: Scored,
    missing: Option<Datum>,
    forced: Option<Datum>,
    status: &'static str,
}

impl SegmentWrite<'_> {
    /// Writes the locked assignment row `current` and its history row; false (nothing
    /// written) when the row is not one this path updates.
    ///
    /// # Safety
    /// `current` holds the locked assignment row, read through the assignments relation.
    #[inline(never)] // out of line, so that profiles (bench/profile.py) name it
    unsafe fn update_locked(
        &self,
        config: &CompiledConfig,
        change: ScoreChange<'_>,
        current: *mut pg_sys::TupleTableSlot,
    ) -> Result<bool> {
        let a = &self.tables.a;
        pg_sys::slot_getallattrs(current);
        let desc = pgrx::PgTupleDesc::from_pg_unchecked((*current).tts_tupleDescriptor);
        let (old_score, score_null) = slot_value(current, a.score);
        let (answered, _) = slot_value(current, a.answered);
        let (old_segment, segment_null) = slot_value(current, a.segment);
        if score_null {
            return Ok(false);
        }
        if !slot_value(current, a.missing).1 {
            return Ok(false); // a required parameter is missing: SQL keeps the segment NULL
        }
        let (delta, answered, parameter_score) = match change {
            ScoreChange::Answer(delta) => {
                let answered = answered.value() as i32 + delta.answered;
                if answered <= 0 {
                    return Ok(false); // the last answer went: SQL deletes the assignment
                }
                (delta.clone(), answered, None)
            }
            ScoreChange::Parameters {
                scheme_id,
                version,
                parameter_score,
            } => {
                let (stored, stored_null) = slot_value(current, a.parameter_score);
                if stored_null {
                    return Ok(false); // the client's first parameter value: SQL writes it
                }
                let Ok(stored) = parse_decimal(&numeric_text(stored)) else {
                    return Ok(false);
                };
                let Some(difference) = exact_sub(parameter_score, stored) else {
                    return Ok(false);
                };
                if difference.is_zero() {
                    return Ok(true); // the same points as before: nothing changes
                }
                let delta = AnswerDelta {
                    scheme_id,
                    version,
                    score: difference,
                    answered: 0,
                };
                (delta, answered.value() as i32, Some(parameter_score))
            }
            ScoreChange::Recomputed { .. } => return Ok(false), // update_recomputed's
        };
        // A score beyond the engine's exact range stays with SQL's arbitrary precision.
        let Ok(previous) = parse_decimal(&numeric_text(old_score)) else {
            return Ok(false);
        };
        let Ok((score, level)) = config.rescore(&delta, previous) else {
            return Ok(false);
        };
        let old_score =
            copy_value(&attribute(&desc, a.score), old_score).expect("numeric is a varlena");
        let old_segment_text = (!segment_null).then(|| text_contents(old_segment));
        let old_segment = (!segment_null).then(|| {
            copy_value(&attribute(&desc, a.segment), old_segment).expect("text is a varlena")
        });
        let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
        let new_score = numeric_value(&score.to_string());
        let new_segment = level.map(text_value);
        let version = Datum::from(delta.version);

        let next = self.writer.copy_slot(self.assignments, current);
        set_slot_value(next, a.score, Some(new_score));
        set_slot_value(next, a.answered, Some(Datum::from(answered)));
        set_slot_value(next, a.segment, new_segment);
        set_slot_value(next, a.version, Some(version));
        set_slot_value(next, a.assigned_at, Some(now));
        set_slot_value(next, a.previous_score, Some(old_score));
        set_slot_value(next, a.previous_segment, old_segment);
        set_slot_value(next, a.status, Some(text_value(status_of(level))));
        if let Some(parameter_score) = parameter_score {
            let text = parameter_score.normalize().to_string();
            set_slot_value(next, a.parameter_score, Some(numeric_value(&text)));
        }
        let old = Scored {
            score: Some(old_score),
            segment: old_segment,
        };
        let new = Scored {
            score: Some(new_score),
            segment: new_segment,
        };
        let logged = previous != score || old_segment_text.as_deref() != level;
        self.update_row(change, current, next, logged.then_some((&old, &new)), now);
        Ok(true)
    }

    /// Writes `next` over the locked assignment row `current` and, with `history` (old, new),
    /// appends the history row of that change; then fires the row triggers the writes queued
    /// (foreign key checks, and any of the user's).
    ///
    /// # Safety
    /// `current` holds the locked assignment row; `next` its copy with the new values set.
    unsafe fn update_row(
        &self,
        change: ScoreChange<'_>,
        current: *mut pg_sys::TupleTableSlot,
        next: *mut pg_sys::TupleTableSlot,
        history: Option<(&Scored, &Scored)>,
        now: Datum,
    ) {
        let a = &self.tables.a;
        let w = self.writer;
        pg_sys::ExecStoreVirtualTuple(next);
        // (no BEFORE UPDATE row trigger can change the row after this: the tables are not
        // opened for a direct write when the assignments have one)
        if self.tables.assignments.generated_columns_only(&[a.status]) {
            w.generated_columns_written(self.assignments, &[a.status]);
        }
        pg_sys::AfterTriggerBeginQuery();
        pg_sys::ExecSimpleRelationUpdate(self.assignments, w.estate, w.epq, current, next);
        if let Some((old, new)) = history {
            self.append_history(change, old, new, now);
        }
        pg_sys::AfterTriggerEndQuery(w.estate);
    }

    /// Inserts the client's first assignment `row` speculatively and, when it went in, the
    /// history row from nothing to `new`; then fires the row triggers the writes queued.
    ///
    /// # Safety
    /// `row` is a slot of the assignments with every value set.
    unsafe fn insert_row(
        &self,
        change: ScoreChange<'_>,
        row: *mut pg_sys::TupleTableSlot,
        new: &Scored,
        now: Datum,
    ) -> Speculation {
        pg_sys::ExecStoreVirtualTuple(row);
        pg_sys::AfterTriggerBeginQuery();
        let outcome =
            self.writer
                .insert_speculatively(self.assignments, row, self.tables.primary_key);
        if outcome == Speculation::Inserted {
            let old = Scored {
                score: None,
                segment: None,
            };
            self.append_history(change, &old, new, now);
        }
        pg_sys::AfterTriggerEndQuery(self.writer.estate);
        outcome
    }

    /// The client's first answer in the scheme: inserts its assignment, as the SQL path's
    /// INSERT … ON CONFLICT does, and its history row. None (nothing written) when the change
    /// is not a first answer; `Conflict` (nothing visible written) when a concurrent writer's
    /// assignment for the client appeared meanwhile.
    ///
    /// # Safety
    /// As `SegmentTables::write`.
    #[inline(never)] // out of line, so that profiles (bench/profile.py) name it
    unsafe fn insert_first(
        &self,
        config: &CompiledConfig,
        delta: &AnswerDelta,
    ) -> Result<Option<Speculation>> {
        if delta.answered != 1 {
            return Ok(None); // only a new answer can be a client's first
        }
        let Ok((score, level)) = config.rescore(delta, rust_decimal::Decimal::ZERO) else {
            return Ok(None);
        };
        let a = &self.tables.a;
        let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
        let new = Scored {
            score: Some(numeric_value(&score.to_string())),
            segment: level.map(text_value),
        };
        let row = self.writer.null_slot(self.assignments);
        set_slot_value(row, a.scheme_id, Some(Datum::from(delta.scheme_id)));
        set_slot_value(row, a.client_id, Some(self.client));
        set_slot_value(row, a.score, new.score);
        set_slot_value(row, a.answered, Some(Datum::from(1i32)));
        set_slot_value(row, a.segment, new.segment);
        set_slot_value(row, a.version, Some(Datum::from(delta.version)));
        set_slot_value(row, a.assigned_at, Some(now));
        set_slot_value(row, a.status, Some(text_value(status_of(level))));
        Ok(Some(self.insert_row(
            ScoreChange::Answer(delta),
            row,
            &new,
            now,
        )))
    }

    /// A ruled scheme's recomputed assignment written over the locked row `current`, with a
    /// history row when its score or segment changed; nothing written when no column SQL's
    /// recompute compares changed. False (nothing written) for a row this path does not read.
    ///
    /// # Safety
    /// As `update_locked`; `change` is the `Recomputed` change of `assignment`.
    unsafe fn update_recomputed(
        &self,
        change: ScoreChange<'_>,
        assignment: &RuledAssignment,
        current: *mut pg_sys::TupleTableSlot,
    ) -> Result<bool> {
        let a = &self.tables.a;
        pg_sys::slot_getallattrs(current);
        let desc = pgrx::PgTupleDesc::from_pg_unchecked((*current).tts_tupleDescriptor);
        let (old_score, score_null) = slot_value(current, a.score);
        let (answered, _) = slot_value(current, a.answered);
        let (old_segment, segment_null) = slot_value(current, a.segment);
        let (_, no_parameter_score) = slot_value(current, a.parameter_score);
        let (missing, missing_null) = slot_value(current, a.missing);
        let (forced, forced_null) = slot_value(current, a.forced);
        if score_null {
            return Ok(false);
        }
        let Ok(previous) = parse_decimal(&numeric_text(old_score)) else {
            return Ok(false);
        };
        let old_segment_text = (!segment_null).then(|| text_contents(old_segment));
        let old_missing = if missing_null {
            None
        } else {
            match text_array_contents(missing) {
                Some(codes) => Some(codes),
                None => return Ok(false),
            }
        };
        let old_forced = (!forced_null).then(|| text_contents(forced));
        // what write_recomputed.sql compares: an unchanged client is not written at all
        if previous == assignment.score
            && answered.value() as i32 == assignment.answered
            && old_segment_text == assignment.segment
            && no_parameter_score
            && old_missing == assignment.missing
            && old_forced == assignment.forced
        {
            return Ok(true);
        }
        let old_score =
            copy_value(&attribute(&desc, a.score), old_score).expect("numeric is a varlena");
        let old_segment = (!segment_null).then(|| {
            copy_value(&attribute(&desc, a.segment), old_segment).expect("text is a varlena")
        });
        let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
        let new = self.recomputed_values(assignment);
        let next = self.writer.copy_slot(self.assignments, current);
        set_slot_value(next, a.score, new.scored.score);
        set_slot_value(next, a.answered, Some(Datum::from(assignment.answered)));
        set_slot_value(next, a.segment, new.scored.segment);
        set_slot_value(next, a.version, Some(Datum::from(change.version())));
        set_slot_value(next, a.assigned_at, Some(now));
        set_slot_value(next, a.previous_score, Some(old_score));
        set_slot_value(next, a.previous_segment, old_segment);
        set_slot_value(next, a.parameter_score, None);
        set_slot_value(next, a.missing, new.missing);
        set_slot_value(next, a.forced, new.forced);
        set_slot_value(next, a.status, Some(text_value(new.status)));
        let old = Scored {
            score: Some(old_score),
            segment: old_segment,
        };
        let logged = previous != assignment.score || old_segment_text != assignment.segment;
        self.update_row(
            change,
            current,
            next,
            logged.then_some((&old, &new.scored)),
            now,
        );
        Ok(true)
    }

    /// A ruled scheme's client's first assignment, recomputed: inserted as the SQL recompute's
    /// INSERT … ON CONFLICT does, with its history row; `Conflict` (nothing visible written)
    /// when a concurrent writer's assignment for the client appeared meanwhile.
    ///
    /// # Safety
    /// As `SegmentTables::write`; `change` is the `Recomputed` change of `assignment`.
    unsafe fn insert_recomputed(
        &self,
        change: ScoreChange<'_>,
        assignment: &RuledAssignment,
    ) -> Speculation {
        let a = &self.tables.a;
        let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
        let new = self.recomputed_values(assignment);
        let row = self.writer.null_slot(self.assignments);
        set_slot_value(row, a.scheme_id, Some(Datum::from(change.scheme_id())));
        set_slot_value(row, a.client_id, Some(self.client));
        set_slot_value(row, a.score, new.scored.score);
        set_slot_value(row, a.answered, Some(Datum::from(assignment.answered)));
        set_slot_value(row, a.segment, new.scored.segment);
        set_slot_value(row, a.version, Some(Datum::from(change.version())));
        set_slot_value(row, a.assigned_at, Some(now));
        set_slot_value(row, a.missing, new.missing);
        set_slot_value(row, a.forced, new.forced);
        set_slot_value(row, a.status, Some(text_value(new.status)));
        self.insert_row(change, row, &new.scored, now)
    }

    /// A recomputed assignment's values as datums of the assignment's columns.
    fn recomputed_values(&self, assignment: &RuledAssignment) -> RecomputedValues {
        RecomputedValues {
            scored: Scored {
                score: Some(numeric_value(&assignment.score.to_string())),
                segment: assignment.segment.as_deref().map(text_value),
            },
            missing: assignment
                .missing
                .as_ref()
                .map(|codes| text_array_value(codes)),
            forced: assignment.forced.as_deref().map(text_value),
            status: status_of_row(
                assignment.forced.is_some(),
                assignment.missing.is_some(),
                assignment.segment.is_some(),
            ),
        }
    }

    /// Appends the client's history row for a change from `old` to `new`.
    ///
    /// # Safety
    /// As `SegmentTables::write`, between `AfterTriggerBeginQuery` and `AfterTriggerEndQuery`;
    /// the datums are of the history's column types.
    #[inline(never)] // out of line, so that profiles (bench/profile.py) name it
    unsafe fn append_history(
        &self,
        change: ScoreChange<'_>,
        old: &Scored,
        new: &Scored,
        now: Datum,
    ) {
        let h = &self.tables.h;
        let row = self.writer.null_slot(self.history);
        let history_id = next_identity_value(self.tables.sequence);
        set_slot_value(row, h.history_id, Some(Datum::from(history_id)));
        set_slot_value(row, h.scheme_id, Some(Datum::from(change.scheme_id())));
        set_slot_value(row, h.client_id, Some(self.client));
        set_slot_value(row, h.changed_at, Some(now));
        set_slot_value(row, h.old_score, old.score);
        set_slot_value(row, h.new_score, new.score);
        set_slot_value(row, h.old_segment, old.segment);
        set_slot_value(row, h.new_segment, new.segment);
        set_slot_value(row, h.cause, Some(text_value(change.cause())));
        set_slot_value(row, h.version, Some(Datum::from(change.version())));
        pg_sys::ExecStoreVirtualTuple(row);
        pg_sys::ExecSimpleRelationInsert(self.history, self.writer.estate, row);
    }
}
