//! The direct tier of the answers trigger: one new or changed answer, read straight from the
//! trigger's transition tables and scored with the compiled configuration.

use super::columns::{attribute, client_column, AnswerColumns};
use super::guards::StandaloneSlot;
use super::values::{copy_value, same_bytes};
use super::writer::{write_change, ScoreChange};
use crate::engine::CompiledConfig;
use crate::entity::Entity;
use crate::error::Result;
use crate::firing::{AnswerChange, FiringTrigger};
use pgrx::pg_sys::{self, Datum};
use pgrx::PgTupleDesc;

/// The one answer row of a transition table.
struct AnswerRow {
    /// a copy in the current memory context
    client: Datum,
    question_id: i32,
    /// None for a number answer (its value is in the row instead)
    option_id: Option<i32>,
}

/// Reads the one row of a transition table; None for a missing table, an empty one, a NULL
/// client or question or a key type this path does not copy.
///
/// # Safety
/// `table` is a transition table of the running trigger (or null) whose rows `desc` describes.
unsafe fn transition_answer(
    table: *mut pg_sys::Tuplestorestate,
    desc: &PgTupleDesc<'_>,
    columns: &AnswerColumns,
) -> Option<AnswerRow> {
    if table.is_null() {
        return None;
    }
    let slot = StandaloneSlot::minimal(desc.as_ptr());
    // Every scan of a transition table selects a read pointer of its own; rewinding pointer 0
    // before and after leaves the table as other readers expect it.
    pg_sys::tuplestore_select_read_pointer(table, 0);
    pg_sys::tuplestore_rescan(table);
    let mut answer = None;
    if pg_sys::tuplestore_gettupleslot(table, true, false, slot.ptr()) {
        pg_sys::slot_getallattrs(slot.ptr());
        let value = |i: usize| {
            let s = slot.ptr();
            (*(*s).tts_values.add(i), *(*s).tts_isnull.add(i))
        };
        let (client, client_null) = value(columns.client_id);
        let (question, question_null) = value(columns.question_id);
        let (option, option_null) = value(columns.option_id);
        if !(client_null || question_null) {
            answer =
                copy_value(&attribute(desc, columns.client_id), client).map(|client| AnswerRow {
                    client,
                    question_id: question.value() as i32,
                    option_id: (!option_null).then(|| option.value() as i32),
                });
        }
    }
    pg_sys::tuplestore_rescan(table);
    answer
}

/// Applies the one answer row of the running answers statement without SQL. Returns whether
/// it did; false means nothing was written and a SQL tier must run.
///
/// Only the plain case is taken: READ COMMITTED; a new or changed answer (a removal may be a
/// deleted client's cascade, which SQL recognises); an existing assignment that keeps at
/// least one answer, or none yet (the client's first answer inserts it); segment tables with
/// their known columns and without statement triggers, transition tables or row security; a
/// user holding the privileges the SQL statement needs. An answer to a question of a ruled
/// scheme recomputes its client instead (`ruled::apply_ruled_answer`).
pub fn apply_one_answer(
    entity: &Entity,
    config: &CompiledConfig,
    trigger: &FiringTrigger<'_>,
    change: AnswerChange,
) -> Result<bool> {
    if change == AnswerChange::Delete {
        return Ok(false);
    }
    if !super::read_committed() {
        return Ok(false);
    }
    let desc = trigger.descriptor();
    let Some(client_att) = client_column(&desc) else {
        return Ok(false);
    };
    let key_type = client_att.atttypid;
    let Some(columns) = AnswerColumns::find(&desc, key_type) else {
        return Ok(false);
    };
    // SAFETY: the running trigger's transition tables, whose rows the firing relation's
    // descriptor describes (FiringTrigger's invariant).
    let new = unsafe { transition_answer(trigger.new_table(), &desc, &columns) };
    let Some(new) = new else {
        return Ok(false);
    };
    let old_option = match change {
        AnswerChange::Update => {
            // SAFETY: as above.
            let old = unsafe { transition_answer(trigger.old_table(), &desc, &columns) };
            let Some(old) = old else {
                return Ok(false);
            };
            // SAFETY: both copies of the client_id column from `transition_answer`.
            let same_client = unsafe { same_bytes(&client_att, new.client, old.client) };
            if old.question_id != new.question_id || !same_client {
                return Ok(false);
            }
            Some(old.option_id)
        }
        _ => None,
    };
    if let Some(ruled) = config.ruled_scheme_of(entity.entity_id, new.question_id) {
        return super::ruled::apply_ruled_answer(entity, config, &ruled, key_type, new.client);
    }
    // (a number answer, which has no option, is SQL's to score)
    let Some(new_option) = new.option_id else {
        return Ok(false);
    };
    let old_option = match old_option {
        Some(None) => return Ok(false),
        Some(Some(option)) => Some(option),
        None => None,
    };
    let Some(delta) = config.answer_delta(
        entity.entity_id,
        new.question_id,
        Some(new_option),
        old_option,
    )?
    else {
        return Ok(false);
    };
    if delta.score.is_zero() && delta.answered == 0 {
        return Ok(true); // the same points as before: nothing changes
    }
    // SAFETY: inside the answers trigger, whose statement has an active snapshot; the client
    // is a palloc'd copy of a key-type value.
    unsafe {
        write_change(
            entity,
            config,
            ScoreChange::Answer(&delta),
            key_type,
            new.client,
        )
    }
}
