//! `segment.answer()` below SPI: the answer row itself written with the executor's single-row
//! routines, then the client's assignment and history in the same executor state.
//!
//! Run as SQL, one `segment.answer()` call costs a kept plan's check and start-up, an
//! INSERT … ON CONFLICT of several nodes, transition tables and the answers trigger's firing.
//! Here the answer row is found through the answers' primary key and locked, updated in place
//! or (a new answer) inserted speculatively, exactly as that statement would; the score change
//! is worked out from the old and new option with the compiled configuration, as the trigger's
//! direct tier does; and the answers' row triggers (the foreign-key checks) fire as they do for
//! SQL. pg_segment's own statement triggers do not fire: this is their work, done here.
//!
//! Declined (nothing written; the caller runs the SQL statement) unless the answers table is
//! exactly pg_segment's: its four columns, answered_at defaulting to `now()`, no row triggers
//! but the internal foreign-key ones, no statement triggers but pg_segment's, no rules or row
//! security; under READ COMMITTED only, in a read-write transaction, outside the replica role;
//! and when a concurrent writer inserts the same answer meanwhile.

use super::columns::{client_column, AnsweredColumns};
use super::executor::{set_slot_value, slot_value, Speculation, Target, Writer};
use super::guards::OpenTable;
use super::locking::lock_by_key;
use super::read::key_columns;
use super::writer::{OnConflict, ScoreChange, SegmentTables};
use crate::cache::BackendCache;
use crate::client_key::ClientKey;
use crate::engine::{AnswerDelta, CompiledConfig};
use crate::entity::Entity;
use crate::error::Result;
use crate::security::{as_role, has_privilege};
use pgrx::pg_sys::{self, Datum};
use std::ffi::CStr;

/// What the direct write of an answer did.
#[derive(Debug, PartialEq, Eq)]
pub enum GivenAnswer {
    /// nothing written: the caller runs the SQL statement
    Declined,
    /// the answer and its effects are written; `changed` is false when the client already had
    /// that answer (or, for a removal, none)
    Written { changed: bool },
    /// the answer row is written, but its effect on the assignment must be applied with SQL
    /// (a score beyond the engine's exact range, or an assignment the direct path does not
    /// update)
    NeedsDelta(AnswerDelta),
}

/// What the answers table's triggers allow.
struct AnswerTriggers {
    /// every trigger is one this write stands in for or fires itself: internal (foreign-key)
    /// row triggers, and pg_segment's own enabled statement triggers
    own: bool,
    /// the foreign key to the client table is enforced (its insert check is there and
    /// enabled), so an answer row proves its client exists
    client_key_enforced: bool,
}

/// Reads the answers table's triggers (see `AnswerTriggers`).
fn answer_triggers(answers: &OpenTable, client_table: pg_sys::Oid) -> AnswerTriggers {
    // SAFETY: an open relation's trigger descriptor and catalog row.
    let (triggers, namespace) = unsafe {
        (
            (*answers.rel()).trigdesc,
            (*(*answers.rel()).rd_rel).relnamespace,
        )
    };
    if triggers.is_null() {
        return AnswerTriggers {
            own: true,
            client_key_enforced: false,
        };
    }
    // SAFETY: non-null, owned by the open relation, `numtriggers` long.
    let triggers = unsafe {
        let t = &*triggers;
        std::slice::from_raw_parts(t.triggers, t.numtriggers as usize)
    };
    let enabled = |t: &pg_sys::Trigger| {
        t.tgenabled == pg_sys::TRIGGER_FIRES_ON_ORIGIN as std::ffi::c_char
            || t.tgenabled == pg_sys::TRIGGER_FIRES_ALWAYS as std::ffi::c_char
    };
    let own = triggers.iter().all(|t| {
        if t.tgisinternal {
            return true;
        }
        let statement_level = t.tgtype as u32 & pg_sys::TRIGGER_TYPE_ROW == 0;
        // The answers trigger lives in the answers table's schema: pg_segment's.
        // SAFETY: system cache look-ups of a function by OID; the name is palloc'd.
        let answers_trigger = unsafe {
            pg_sys::get_func_namespace(t.tgfoid) == namespace && {
                let name = pg_sys::get_func_name(t.tgfoid);
                !name.is_null() && CStr::from_ptr(name).to_bytes() == b"_answers_changed"
            }
        };
        statement_level && enabled(t) && answers_trigger
    });
    let client_key_enforced = triggers.iter().any(|t| {
        t.tgisinternal
            && t.tgconstrrelid == client_table
            && t.tgfoid == pg_sys::Oid::from(pg_sys::F_RI_FKEY_CHECK_INS)
            && enabled(t)
    });
    AnswerTriggers {
        own,
        client_key_enforced,
    }
}

/// Answers tables a backend remembers the answered_at default of.
const MAX_ANSWERS_TABLES: usize = 1024;

thread_local! {
    /// Answers table OID → whether its answered_at column defaults to `now()`. An entry goes
    /// with any relcache invalidation of its table (`forget_relation`), which a changed
    /// default sends. Bound: `MAX_ANSWERS_TABLES`.
    static ANSWERED_AT_NOW: BackendCache<u32, bool> = BackendCache::new(MAX_ANSWERS_TABLES);
}

/// Called from the relcache callback: the table's defaults may have changed.
pub fn forget_relation(relid: pg_sys::Oid) {
    ANSWERED_AT_NOW
        .with(|m| m.retain(|table, _| relid != pg_sys::InvalidOid && *table != relid.to_u32()));
}

/// Whether the answers' answered_at column defaults to `now()`, the value this write gives a
/// new row (a DBA's other default makes the insert SQL's).
fn answered_at_defaults_to_now(answers: &OpenTable, answered_at: usize) -> bool {
    let relid = answers.rel_id().to_u32();
    if let Some(now) = ANSWERED_AT_NOW.with(|m| m.get(&relid)) {
        return now;
    }
    // SAFETY: the default expression of an open table's column, a node tree in the current
    // memory context (NULL: no default).
    let now = unsafe {
        let default = pg_sys::build_column_default(answers.rel(), answered_at as i32 + 1);
        !default.is_null()
            && (*default).type_ == pg_sys::NodeTag::T_FuncExpr
            && (*default.cast::<pg_sys::FuncExpr>()).funcid == pg_sys::Oid::from(pg_sys::F_NOW)
    };
    ANSWERED_AT_NOW.with(|m| m.insert(relid, now));
    now
}

/// Writes the client's answer to `question_id` as `option` (None: removes it), and its effect
/// on the client's assignment (see the module documentation). The caller has checked that the
/// user holds the rights of the SQL statement on the answers table (INSERT and UPDATE, or
/// DELETE); `check_client` raises for a client that does not exist, and runs only when no answer
/// row is found: one found and locked shows the client exists (its foreign key would have
/// removed it with the client).
pub fn write_given_answer(
    entity: &Entity,
    config: &CompiledConfig,
    question_id: i32,
    option: Option<i32>,
    client: ClientKey,
    check_client: impl FnOnce() -> Result<()>,
) -> Result<GivenAnswer> {
    // SAFETY: reads backend globals.
    let (isolation, read_only, replica) = unsafe {
        (
            pg_sys::XactIsoLevel,
            pg_sys::XactReadOnly,
            pg_sys::SessionReplicationRole == pg_sys::SESSION_REPLICATION_ROLE_REPLICA as i32,
        )
    };
    // A read-only transaction: SQL refuses the write (25006). Replica role: pg_segment's
    // triggers would not fire for SQL either.
    if isolation != pg_sys::XACT_READ_COMMITTED as i32 || read_only || replica {
        return Ok(GivenAnswer::Declined);
    }
    let lock = pg_sys::RowExclusiveLock;
    // SAFETY: called from a SQL function, inside a statement with an active snapshot.
    let answers = unsafe { OpenTable::table(entity.answers_oid, lock) };
    let desc = answers.descriptor();
    let Some(key_att) = client_column(&desc) else {
        return Ok(GivenAnswer::Declined);
    };
    let key_type = key_att.atttypid;
    let Some(c) = AnsweredColumns::find(&desc, key_type) else {
        return Ok(GivenAnswer::Declined);
    };
    let primary_key = answers.primary_key_index();
    let eligible = client.type_oid() == key_type
        && primary_key != pg_sys::InvalidOid
        && answers.is_plain_table()
        && answers.without_generated_columns()
        && has_privilege(entity.answers_oid, pg_sys::ACL_SELECT);
    let triggers = answer_triggers(&answers, entity.client_table_oid);
    if !(eligible && triggers.own) {
        return Ok(GivenAnswer::Declined);
    }
    {
        // SAFETY: the primary key of the open table.
        let index = unsafe { OpenTable::index(primary_key, lock) };
        if key_columns(&index) != [c.client_id as i16 + 1, c.question_id as i16 + 1] {
            return Ok(GivenAnswer::Declined);
        }
    }
    // The segment tables are written as the owner of the entity's relations, as the answers
    // trigger writes them.
    let Some(segments) = as_role(entity.owner, || {
        // SAFETY: as above.
        unsafe { SegmentTables::open(entity, key_type) }
    }) else {
        return Ok(GivenAnswer::Declined);
    };
    let inserted = c.all();
    let updated = [c.option_id, c.answered_at];
    let [assignments, history] = segments.targets();
    let targets = [
        Target {
            table: &answers,
            inserted: &inserted,
            updated: &updated,
            speculative: true,
        },
        assignments,
        history,
    ];
    // SAFETY: the tables stay open while the writer lives; the client datum is the caller's,
    // of the key type, and outlives the call.
    unsafe {
        let writer = Writer::new(&targets);
        let row = AnswerRow {
            client_key_enforced: triggers.client_key_enforced,
            table: &answers,
            writer: &writer,
            answers: writer.relation(0),
            primary_key,
            columns: &c,
            client: client.datum(),
            question_id,
        };
        let outcome = row.write(option, check_client, |old_option| {
            match config.answer_delta(entity.entity_id, question_id, option, old_option) {
                Ok(Some(delta)) => Some(delta),
                _ => None, // SQL scores (or refuses) what the configuration cannot
            }
        })?;
        let outcome = match outcome {
            RowOutcome::Unchanged => GivenAnswer::Written { changed: false },
            RowOutcome::Declined => GivenAnswer::Declined,
            RowOutcome::Written(delta) if delta.score.is_zero() && delta.answered == 0 => {
                GivenAnswer::Written { changed: true } // the same points: nothing else changes
            }
            RowOutcome::Written(delta) => {
                let written = as_role(entity.owner, || {
                    segments.write(
                        &writer,
                        1,
                        config,
                        ScoreChange::Answer(&delta),
                        client.datum(),
                        OnConflict::Wait,
                    )
                })?;
                if written {
                    GivenAnswer::Written { changed: true }
                } else {
                    GivenAnswer::NeedsDelta(delta)
                }
            }
        };
        drop(writer);
        pg_sys::CommandCounterIncrement();
        Ok(outcome)
    }
}

/// What writing the answer row did.
enum RowOutcome {
    /// the client already had this answer (or, removing, none): nothing written, as SQL's
    /// statement writes nothing
    Unchanged,
    /// nothing written: the configuration cannot score the change, or a concurrent writer
    /// inserted the same answer meanwhile
    Declined,
    /// the row is written; this is the change of the client's score
    Written(AnswerDelta),
}

/// The client's answer row in a writer's answers relation.
struct AnswerRow<'w> {
    /// an answer row found proves its client exists
    client_key_enforced: bool,
    table: &'w OpenTable,
    writer: &'w Writer,
    answers: *mut pg_sys::ResultRelInfo,
    primary_key: pg_sys::Oid,
    columns: &'w AnsweredColumns,
    /// a datum of the key type
    client: Datum,
    question_id: i32,
}

impl AnswerRow<'_> {
    /// Finds and locks the row as INSERT … ON CONFLICT DO UPDATE (or DELETE) does, then
    /// updates it to `option`, deletes it (`option` None) or, after `check_client`, inserts it
    /// speculatively. `delta` gives the score change from the old option (None: no answer
    /// yet) before anything is written; None declines.
    ///
    /// # Safety
    /// Inside the statement the writer was made in.
    #[inline(never)] // out of line, so that profiles (bench/profile.py) name it
    unsafe fn write(
        &self,
        option: Option<i32>,
        check_client: impl FnOnce() -> Result<()>,
        delta: impl FnOnce(Option<i32>) -> Option<AnswerDelta>,
    ) -> Result<RowOutcome> {
        let (w, c) = (self.writer, self.columns);
        let search = w.null_slot(self.answers);
        set_slot_value(search, c.client_id, Some(self.client));
        set_slot_value(search, c.question_id, Some(Datum::from(self.question_id)));
        pg_sys::ExecStoreVirtualTuple(search);
        // Rows this transaction wrote earlier in the same command must be visible to the lock.
        pg_sys::CommandCounterIncrement();
        let rel = self.table.rel();
        let current = pg_sys::table_slot_create(rel, &mut (*w.estate).es_tupleTable);
        // As SQL locks it: DELETE in exclusive mode, the upsert's update in no-key exclusive.
        let mode = if option.is_none() {
            pg_sys::LockTupleMode::LockTupleExclusive
        } else {
            pg_sys::LockTupleMode::LockTupleNoKeyExclusive
        };
        let found = lock_by_key(self.table, self.primary_key, search, mode, current);
        let old_option = if found {
            pg_sys::slot_getallattrs(current);
            let (old, null) = slot_value(current, c.option_id);
            if null {
                return Ok(RowOutcome::Declined); // a number answer's value: SQL's to write
            }
            Some(old.value() as i32)
        } else {
            None
        };
        if !found || !self.client_key_enforced {
            check_client()?;
        }
        if old_option == option {
            return Ok(RowOutcome::Unchanged);
        }
        if !found && !answered_at_defaults_to_now(self.table, c.answered_at) {
            return Ok(RowOutcome::Declined);
        }
        let Some(delta) = delta(old_option) else {
            return Ok(RowOutcome::Declined);
        };
        let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
        pg_sys::AfterTriggerBeginQuery();
        let written = match option {
            None => {
                pg_sys::ExecSimpleRelationDelete(self.answers, w.estate, w.epq, current);
                true // (found: removing no answer returned Unchanged above)
            }
            Some(option_id) if found => {
                let next = w.copy_slot(self.answers, current);
                set_slot_value(next, c.option_id, Some(Datum::from(option_id)));
                set_slot_value(next, c.answered_at, Some(now));
                pg_sys::ExecStoreVirtualTuple(next);
                pg_sys::ExecSimpleRelationUpdate(self.answers, w.estate, w.epq, current, next);
                true
            }
            Some(option_id) => {
                let row = w.null_slot(self.answers);
                set_slot_value(row, c.client_id, Some(self.client));
                set_slot_value(row, c.question_id, Some(Datum::from(self.question_id)));
                set_slot_value(row, c.option_id, Some(Datum::from(option_id)));
                set_slot_value(row, c.answered_at, Some(now));
                pg_sys::ExecStoreVirtualTuple(row);
                w.insert_speculatively(self.answers, row, self.primary_key) == Speculation::Inserted
            }
        };
        // The old row's page stays pinned no longer than SQL keeps it (the assignment's lock
        // may wait).
        pg_sys::ExecClearTuple(current);
        // Fires the row triggers the write queued: the foreign-key checks of the client and
        // the option.
        pg_sys::AfterTriggerEndQuery(w.estate);
        Ok(if written {
            RowOutcome::Written(delta)
        } else {
            RowOutcome::Declined
        })
    }
}
