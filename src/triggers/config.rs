//! The configuration trigger: a statement-level AFTER trigger on schemes, questions, options,
//! levels, parameters and their ranges and matches that refuses changes pg_segment cannot
//! follow, bumps the version of every touched scheme and re-segments all of its clients.

use super::TriggerResult;
use crate::error::{OrRaise, SegmentError};
use crate::firing::FiringTrigger;
use crate::security::{as_role, with_bulk_settings};
use crate::store;
use pgrx::prelude::*;

#[pg_trigger]
fn _config_changed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let table = trigger.table_name()?;
    let op = trigger.op()?;
    let firing = FiringTrigger::of(trigger);
    // Every backend recompiles the configuration before its next answer.
    store::compiled::forget();
    if matches!(op, PgTriggerOperation::Update)
        && (table == "schemes" || table == "questions")
        && store::ids_changed(&firing, &table)
    {
        SegmentError::IdChanged { table }.raise();
    }
    if table == "schemes" {
        scheme_rows_changed(&firing, op);
        return Ok(None);
    }
    if table == "questions" && matches!(op, PgTriggerOperation::Update) {
        if let Some((question, scheme, client_table)) =
            store::question_moved_to_other_table(&firing)
        {
            SegmentError::QuestionMoved {
                question,
                scheme,
                client_table,
            }
            .raise();
        }
    }
    let scheme_ids = match op {
        PgTriggerOperation::Insert => store::schemes_touched(&table, true, false, Some(&firing)),
        PgTriggerOperation::Update => store::schemes_touched(&table, true, true, Some(&firing)),
        PgTriggerOperation::Delete => store::schemes_touched(&table, false, true, Some(&firing)),
        PgTriggerOperation::Truncate => store::schemes_touched(&table, false, false, None),
    };
    if table == "questions"
        && matches!(
            op,
            PgTriggerOperation::Delete | PgTriggerOperation::Truncate
        )
    {
        // a deleted number question's answers (values, with no foreign key to take them); a
        // draft's, which nobody scores, without locking out the live scheme's writers
        let mut entities: Vec<(crate::entity::Entity, bool)> = Vec::new();
        for scheme in scheme_ids.iter().filter_map(|&id| store::scheme_by_id(id)) {
            let live = scheme.draft_of.is_none();
            match entities
                .iter_mut()
                .find(|(e, _)| e.entity_id == scheme.entity.entity_id)
            {
                Some((_, lock)) => *lock |= live,
                None => entities.push((scheme.entity, live)),
            }
        }
        for (entity, lock) in &entities {
            as_role(entity.owner, || {
                store::delete_orphaned_values(entity, *lock)
            });
        }
    }
    let how = match (table.as_str(), op) {
        ("levels", _) => Resegmentation::Relevel,
        // a parameter gives every client a value at once; a new range may hold given answers
        (
            "parameters" | "parameter_ranges" | "parameter_matches" | "question_ranges" | "groups"
            | "forced_levels" | "variant_columns" | "variants" | "variant_items",
            _,
        ) => Resegmentation::Recompute,
        // a new question or option has no answers yet: nobody moves
        (_, PgTriggerOperation::Insert) => Resegmentation::None,
        (_, PgTriggerOperation::Update) if store::values_only(&firing, &table) => {
            Resegmentation::Shift
        }
        _ => Resegmentation::Recompute,
    };
    for scheme_id in scheme_ids {
        check_for_interrupts!();
        resegment(scheme_id, &table, how, &firing);
    }
    Ok(None)
}

/// What a configuration statement makes pg_segment do to a scheme's clients, in proportion to
/// what it changed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resegmentation {
    /// questions or options added: scores and segments stand (the version moves on)
    None,
    /// levels changed: segments looked up again from the stored scores
    Relevel,
    /// weights or points changed: the clients that chose them move by the change
    Shift,
    /// anything else (deletes, moves, truncation): every client recomputed from its answers
    Recompute,
}

/// A statement on segment.schemes: rebinding refused, deletes purged, plain-SQL binds checked.
fn scheme_rows_changed(firing: &FiringTrigger<'_>, op: PgTriggerOperation) {
    match op {
        PgTriggerOperation::Update => {
            if let Some(scheme) = store::rebound_scheme(firing) {
                SegmentError::SchemeRebind { scheme }.raise();
            }
            if let Some(scheme) = store::relinked_draft(firing) {
                SegmentError::DraftLinkChanged { scheme }.raise();
            }
        }
        PgTriggerOperation::Delete => {
            store::delete_drafts_of_deleted(firing);
            store::purge_deleted_schemes(Some(firing));
        }
        PgTriggerOperation::Truncate => store::purge_deleted_schemes(None),
        PgTriggerOperation::Insert => {
            // plain SQL binds a scheme only with the rights create_scheme demands
            if let Some(table) = store::scheme_bound_without_rights(firing) {
                crate::api::config::binding_refused(&table).raise();
            }
            if let Some(scheme) = store::draft_of_nothing(firing) {
                SegmentError::DraftOfNothing { scheme }.raise();
            }
        }
    }
}

/// Re-segments one scheme after a change of `table` (see `Resegmentation`). A draft scores
/// nobody, and a scheme being published (`store::drafts::publishing`) is re-segmented once,
/// when the whole draft is in place: only their levels are checked here.
fn resegment(scheme_id: i32, table: &str, how: Resegmentation, firing: &FiringTrigger<'_>) {
    let Some(scheme) = store::scheme_by_id(scheme_id) else {
        return; // deleted in this statement; its clients went with it
    };
    let publishing = store::drafts::publishing(scheme_id);
    let active = store::maintenance_active(&scheme.entity);
    // Locks the scheme row first, so a concurrent level change is seen by the check below (a
    // scheme being published is locked and bumped once by its publisher).
    if active && !publishing && store::bump_version(scheme_id).is_none() {
        return;
    }
    if table == "levels" {
        crate::api::config::check_levels(&scheme).or_raise();
    }
    if !active || publishing || scheme.draft_of.is_some() {
        return;
    }
    // A ruled scheme's scores are no sums to shift or levels to look up again alone (a group's
    // clamp, a forced level, a new required question): its clients are recomputed.
    let how = match how {
        Resegmentation::None if table == "options" => how,
        _ if store::ruled_now(scheme_id) => Resegmentation::Recompute,
        _ => how,
    };
    let cause = "scheme change";
    as_role(scheme.entity.owner, || {
        with_bulk_settings(|| match how {
            Resegmentation::None => {}
            Resegmentation::Relevel => {
                store::relevel_scheme(&scheme.entity, scheme_id, cause);
            }
            Resegmentation::Shift => {
                store::shift_scheme(&scheme.entity, scheme_id, cause, firing, table);
            }
            Resegmentation::Recompute => {
                let parameters_changed = table.starts_with("parameter");
                store::recompute_scheme(&scheme.entity, scheme_id, cause, parameters_changed);
            }
        })
    });
}
