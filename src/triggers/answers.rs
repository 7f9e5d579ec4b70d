//! The answers trigger: a statement-level AFTER trigger on every answers table (and picks
//! table, which holds the options chosen for multiple-choice questions) that applies the
//! statement's answer changes to the assignments and the history, each touched client once.
//!
//! ## Which tier applies a statement
//!
//! `apply` decides, in this order; each tier either does the whole job or declines having
//! written nothing:
//!
//! 1. **Direct** (`direct::apply_one_answer`): one new or changed answer, with the entity and
//!    the compiled configuration already cached and `pg_segment.direct_writes` on. Runs no SQL.
//!    A client's first answer inserts its assignment speculatively, as INSERT … ON CONFLICT
//!    would. Declines a removal, REPEATABLE READ / SERIALIZABLE, a first answer that meets a
//!    concurrent writer's new assignment, and segment tables it cannot write row by row as SQL
//!    would.
//! 2. **Known delta** (`store::apply_known_delta`): one changed answer; the engine works out
//!    the score change, one kept statement applies it. Declines anything but a plain change of
//!    one client's answer to one question.
//! 3. **Set-based** (`store::apply_set_based`): any statement, summed per scheme and client.
//!
//! A TRUNCATE re-segments every scheme of the entity. The SQL tiers run with the pinned search
//! path, and all tiers as the owner of the entity's relations.

use super::TriggerResult;
use crate::direct;
use crate::entity::Entity;
use crate::error::{OrRaise, SegmentError};
use crate::firing::{AnswerChange, FiringTrigger};
use crate::security::{as_role, extension_owner, with_bulk_settings};
use crate::store;
use pgrx::pg_sys;
use pgrx::prelude::*;

/// Above this many changed rows a statement is a bulk one (a COPY, a data load): its scoring
/// runs under `with_bulk_settings`.
const BULK_ROWS: i64 = 1000;

/// The answers trigger. Unlike the extension's other functions it has no `SET search_path`
/// clause: the direct tier runs no SQL, and the SQL tiers pin the search path themselves.
#[pg_trigger]
fn _answers_changed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let firing = FiringTrigger::of(trigger);
    let change = match trigger.op()? {
        PgTriggerOperation::Insert => Some(AnswerChange::Insert),
        PgTriggerOperation::Update => Some(AnswerChange::Update),
        PgTriggerOperation::Delete => Some(AnswerChange::Delete),
        PgTriggerOperation::Truncate => None,
    };
    // INSERT … ON CONFLICT fires both the INSERT and the UPDATE statement triggers; the one
    // whose transition tables are empty has nothing to do.
    let rows = firing.transition_rows();
    if change.is_some() && rows == 0 {
        return Ok(None);
    }
    let relid = trigger.relid()?;
    if store::drafts::publishing_into(relid) {
        return Ok(None); // a publish's own deletes: it re-segments the scheme once, at the end
    }
    apply(relid, &firing, change, rows);
    Ok(None)
}

/// Applies the statement with the first tier that takes it (see the module documentation).
#[inline(never)] // out of line, so that profiles (bench/profile.py) name it
fn apply(relid: pg_sys::Oid, firing: &FiringTrigger<'_>, change: Option<AnswerChange>, rows: i64) {
    // The configuration first: looking it up processes pending invalidations, which may drop
    // the cached entity too.
    let config = store::compiled::cached();
    let Some(change) = change else {
        return store::with_pinned_search_path(|| with_entity(relid, recompute_truncated));
    };
    let one_answer = rows == 1 || (change == AnswerChange::Update && rows == 2);
    if one_answer && crate::DIRECT_WRITES.get() {
        let entity = store::cached_entity(relid).filter(|e| !e.is_picks(relid));
        if let (Some(entity), Some(config)) = (entity, config) {
            let applied = as_role(entity.owner, || {
                direct::apply_one_answer(&entity, &config, firing, change)
            });
            if applied.or_raise() {
                return; // tier 1: direct
            }
        }
    }
    store::with_pinned_search_path(|| {
        with_entity(relid, |entity| {
            if change == AnswerChange::Update && store::explained_by_rekeys(entity, firing, relid) {
                return; // clients' new keys: their assignments and history moved already
            }
            if store::isolation_uses_transaction_snapshot() {
                // The SQL tiers read the configuration under the transaction's snapshot; a
                // configuration committed since must not be missed (the re-segmentation it
                // ran did not see this write either).
                store::check_configuration_current(entity).or_raise();
            }
            // (picks are multiple-choice answers: the configuration the first two tiers
            // compile has single-choice questions only)
            let picks = entity.is_picks(relid);
            if one_answer && !picks {
                match store::apply_known_delta(entity, firing, change).or_raise() {
                    store::KnownDelta::Applied => return, // tier 2: known delta
                    store::KnownDelta::Ruled(client) => {
                        // a ruled scheme's answer: its client recomputed, no delta
                        store::rescore_answered(entity, &[client], "answer");
                        return;
                    }
                    store::KnownDelta::Declined => {}
                }
            }
            // tier 3: set-based (a bulk statement's under the settings for many clients)
            let set_based = || store::apply_set_based(entity, firing, change, rows, relid);
            let misfit = if rows > BULK_ROWS {
                with_bulk_settings(set_based)
            } else {
                set_based()
            };
            match misfit {
                Some(store::MisfitAnswer::ForeignQuestion(question_id)) => {
                    refuse_foreign_question(entity, question_id)
                }
                Some(store::MisfitAnswer::ValueNotNumber(question_id)) => {
                    refuse_value_answer(entity, question_id)
                }
                Some(store::MisfitAnswer::OptionOfOtherKind(question_id)) => {
                    refuse_option_answer(question_id, picks)
                }
                None => {}
            }
            // Schemes with parameters: the answered clients' parameters are evaluated anew,
            // so that a value no trigger saw change (a column a BEFORE trigger of the client
            // table set, a stable function's result) is current wherever an answer lands,
            // a client's first assignment included. Ruled schemes (which the deltas above
            // left alone): the answered clients recomputed from scratch.
            if store::entity_has_parameters(entity.entity_id)
                || !store::ruled_scheme_ids(entity.entity_id).is_empty()
            {
                let clients = store::answered_clients(firing);
                store::rescore_answered(entity, &clients, "answer");
            }
        })
    })
}

/// Before any statement on a picks table: its entity's answers table locked as a writer of
/// answers locks it. A re-segmentation locks the answers against writers (and only them), so a
/// picks writer waits for it, or it for the writer, in the order answers writers do: a
/// transaction that writes picks and then answers never holds one lock a re-segmentation
/// needs while it waits for the other.
#[pg_trigger]
fn _picks_changing<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let relid = trigger.relid()?;
    let entity = store::cached_entity(relid)
        .or_else(|| as_role(extension_owner(), || store::entity_by_answers_table(relid)));
    if let Some(entity) = entity {
        store::lock_answers_for_writing(&entity);
    }
    Ok(None)
}

/// Runs `f` as the owner of the answers table's entity, found as the extension's owner.
fn with_entity(relid: pg_sys::Oid, f: impl FnOnce(&Entity)) {
    if let Some(entity) = as_role(extension_owner(), || store::entity_by_answers_table(relid)) {
        as_role(entity.owner, || f(&entity));
    }
}

/// A truncated answers table: every scheme of the entity is recomputed.
fn recompute_truncated(entity: &Entity) {
    for scheme_id in store::scheme_ids_of_entity(entity.entity_id) {
        check_for_interrupts!();
        store::recompute_scheme(entity, scheme_id, "answers truncated", false);
    }
}

/// An answer to a question of a scheme over another client table. Raising aborts the
/// statement, so its answers and their effects are all undone.
fn refuse_foreign_question(entity: &Entity, question_id: i32) -> ! {
    let question = store::question_of_id(question_id).unwrap_or_default();
    SegmentError::ForeignQuestion {
        question_id,
        scheme: question.scheme,
        owner_table: question.client_table,
        table: entity.client_table.clone(),
    }
    .raise()
}

/// A value given for a question that is not a number question of this client table (or for no
/// question at all). Raising aborts the statement, as for a foreign question.
fn refuse_value_answer(entity: &Entity, question_id: i32) -> ! {
    match store::question_of_id(question_id) {
        Some(question) => SegmentError::WrongAnswerKind {
            scheme: question.scheme,
            question: question.code,
            kind: question.kind,
            given: "a value",
        },
        None => SegmentError::UnknownQuestionId {
            question_id,
            table: entity.client_table.clone(),
        },
    }
    .raise()
}

/// An option chosen in the wrong table for its question's kind: a multiple-choice question's
/// in the answers table (its picks are rows of the picks table), or a single-choice
/// question's in the picks table.
fn refuse_option_answer(question_id: i32, picks: bool) -> ! {
    let question = store::question_of_id(question_id).unwrap_or_default();
    SegmentError::WrongAnswerKind {
        scheme: question.scheme,
        question: question.code,
        kind: question.kind,
        given: if picks {
            "a row of the picks table"
        } else {
            "a row of the answers table"
        },
    }
    .raise()
}
