//! Trigger functions: decide which clients a write touched and hand them to one set-based
//! statement.

use crate::direct;
use crate::error::SegmentError;
use crate::security::{as_role, extension_owner};
use crate::store::{self, AnswerChange};
use pgrx::pg_sys;
use pgrx::prelude::*;

fn transition_rows(table: *mut pg_sys::Tuplestorestate) -> i64 {
    if table.is_null() {
        0
    } else {
        // SAFETY: a transition table of the running trigger, alive for its whole call.
        unsafe { pg_sys::tuplestore_tuple_count(table) }
    }
}

type TriggerResult<'a> = Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, PgTriggerError>;

/// Statement-level AFTER trigger on every answers table: applies the statement's answer
/// changes to the assignments, each touched client once.
///
/// Unlike the extension's other functions it has no `SET search_path` clause: one changed
/// answer, with the entity and the configuration already cached, takes the direct path, which
/// runs no SQL; everything else runs under `with_pinned_search_path`.
#[pg_trigger]
fn _answers_changed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let td = trigger.trigger_data();
    let change = match trigger.op()? {
        PgTriggerOperation::Insert => Some(AnswerChange::Insert),
        PgTriggerOperation::Update => Some(AnswerChange::Update),
        PgTriggerOperation::Delete => Some(AnswerChange::Delete),
        PgTriggerOperation::Truncate => None,
    };
    // INSERT … ON CONFLICT fires both the INSERT and the UPDATE statement triggers; the one
    // whose transition table is empty has nothing to do.
    let rows = transition_rows(td.tg_newtable) + transition_rows(td.tg_oldtable);
    if change.is_some() && rows == 0 {
        return Ok(None);
    }
    let relid = trigger.relid()?;
    if let Some(change) = change {
        let single = rows == 1 || (change == AnswerChange::Update && rows == 2);
        // The configuration first: looking it up processes pending invalidations, which may
        // drop the cached entity too.
        let config = store::compiled::cached();
        if let (true, Some(entity), Some(config)) = (
            single && crate::DIRECT_WRITES.get(),
            store::cached_entity(relid),
            config,
        ) {
            let applied = as_role(entity.owner, || {
                direct::apply_single_answer(&entity, &config, td, change)
            });
            if applied.unwrap_or_else(|e| e.raise()) {
                return Ok(None);
            }
        }
    }
    store::with_pinned_search_path(|| apply_with_sql(relid, td, change, rows));
    Ok(None)
}

/// The answers trigger's work as SQL: bulk statements set-based, single answers the direct
/// path left, TRUNCATE as a recompute of every scheme of the entity.
fn apply_with_sql(
    relid: pg_sys::Oid,
    td: &pg_sys::TriggerData,
    change: Option<AnswerChange>,
    rows: i64,
) {
    let Some(entity) = as_role(extension_owner(), || store::entity_by_answers_table(relid)) else {
        return;
    };
    as_role(entity.owner, || apply_as_owner(&entity, td, change, rows));
}

/// `apply_with_sql`'s work, as the owner of the entity's relations.
fn apply_as_owner(
    entity: &store::Entity,
    td: &pg_sys::TriggerData,
    change: Option<AnswerChange>,
    rows: i64,
) {
    let Some(change) = change else {
        for scheme_id in store::scheme_ids_of_entity(entity.entity_id) {
            check_for_interrupts!();
            store::recompute_scheme(entity, scheme_id, "answers truncated");
        }
        return;
    };
    if change == AnswerChange::Update && store::explained_by_rekeys(entity, td) {
        return; // clients' new keys: their assignments and history moved already
    }
    if store::isolation_uses_transaction_snapshot() {
        // The delta statements read the configuration under the transaction's snapshot; a
        // configuration committed since must not be missed (the recompute it ran did not see
        // this write either).
        store::check_configuration_current(entity).unwrap_or_else(|e| e.raise());
    }
    let outcome =
        store::apply_answer_deltas(entity, td, change, rows).unwrap_or_else(|e| e.raise());
    if let Some(question_id) = outcome.foreign_question {
        // Raising aborts the statement, so its answers and their effects are all undone.
        let (scheme, owner_table) = store::scheme_of_question(question_id);
        SegmentError::ForeignQuestion {
            question_id,
            scheme,
            owner_table,
            table: entity.client_table.clone(),
        }
        .raise();
    }
}

/// Statement-level AFTER trigger on questions, options and levels: validates levels, bumps the
/// version of every touched scheme and re-segments all of its clients.
#[pg_trigger]
fn _config_changed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let table = trigger.table_name()?;
    let op = trigger.op()?;
    // Every backend recompiles the configuration before its next answer.
    store::compiled::forget();
    let td = trigger.trigger_data();
    if matches!(op, PgTriggerOperation::Update)
        && (table == "schemes" || table == "questions")
        && store::ids_changed(td, &table)
    {
        SegmentError::IdChanged { table }.raise();
    }
    if table == "schemes" {
        match op {
            PgTriggerOperation::Update => {
                if let Some(scheme) = store::rebound_scheme(td) {
                    SegmentError::SchemeRebind { scheme }.raise();
                }
            }
            PgTriggerOperation::Delete => store::purge_deleted_schemes(Some(td)),
            PgTriggerOperation::Truncate => store::purge_deleted_schemes(None),
            PgTriggerOperation::Insert => {
                // plain SQL binds a scheme only with the rights create_scheme demands
                if let Some(table) = store::scheme_bound_without_rights(td) {
                    crate::api::config::binding_refused(&table).raise();
                }
            }
        }
        return Ok(None);
    }
    if table == "questions" && matches!(op, PgTriggerOperation::Update) {
        if let Some((question, scheme, client_table)) = store::question_moved_to_other_table(td) {
            SegmentError::QuestionMoved {
                question,
                scheme,
                client_table,
            }
            .raise();
        }
    }
    let scheme_ids = match op {
        PgTriggerOperation::Insert => {
            store::schemes_touched_by_config(&table, true, false, Some(td))
        }
        PgTriggerOperation::Update => {
            store::schemes_touched_by_config(&table, true, true, Some(td))
        }
        PgTriggerOperation::Delete => {
            store::schemes_touched_by_config(&table, false, true, Some(td))
        }
        PgTriggerOperation::Truncate => {
            store::schemes_touched_by_config(&table, false, false, None)
        }
    };
    for scheme_id in scheme_ids {
        check_for_interrupts!();
        let Some(scheme) = store::scheme_by_id(scheme_id) else {
            continue; // deleted in this statement; its clients went with it
        };
        let active = store::maintenance_active(&scheme.entity);
        // Locks the scheme row first, so a concurrent level change is seen by the check below.
        if active && store::bump_version(scheme_id).is_none() {
            continue;
        }
        if table == "levels" {
            crate::api::config::check_levels(&scheme).unwrap_or_else(|e| e.raise());
        }
        if !active {
            continue;
        }
        as_role(scheme.entity.owner, || {
            if table == "levels" {
                // Scores do not depend on levels: only segments need looking up again.
                store::relevel_scheme(&scheme.entity, scheme_id, "scheme change");
            } else {
                store::recompute_scheme(&scheme.entity, scheme_id, "scheme change");
            }
        });
    }
    Ok(None)
}

/// Row-level AFTER DELETE and statement-level AFTER TRUNCATE trigger on every client table bound
/// to a scheme: a client's assignments and history go with the client. (Answers go through
/// their foreign key.) It takes no arguments and trusts none: the entity is found by the OID of
/// the table it fires on, and it refuses to run on any other table.
#[pg_trigger]
fn _client_removed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let relid = trigger.relid()?;
    let op = trigger.op()?;
    let td = trigger.trigger_data();
    store::with_pinned_search_path(|| {
        let entity = firing_client_entity(relid);
        as_role(entity.owner, || {
            if matches!(op, PgTriggerOperation::Truncate) {
                store::truncate_client_rows(&entity);
            } else if let Some(key) = deleted_key(td, &entity.key_attname) {
                // A key update across partitions deletes and inserts the row, and no trigger
                // learns both keys: refused for a client pg_segment keeps data of.
                if moved_to_another_partition(td) && store::has_client_rows(&entity, &key) {
                    SegmentError::CrossPartitionRekey {
                        table: entity.client_table.clone(),
                    }
                    .raise();
                }
                store::delete_client_rows(&entity, key);
            }
        });
    });
    Ok(None)
}

/// Row-level AFTER UPDATE OF the key trigger on every bound client table: a client whose key
/// changed keeps its score, segment and history under the new key. Its answers moved first,
/// through their foreign key's ON UPDATE CASCADE, and the answers trigger scored them as the
/// new key's; here the old key's assignments go, and its history becomes the new key's.
#[pg_trigger]
fn _client_rekeyed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let relid = trigger.relid()?;
    let td = trigger.trigger_data();
    store::with_pinned_search_path(|| {
        let entity = firing_client_entity(relid);
        let old = row_key(td, td.tg_trigtuple, &entity.key_attname);
        let new = row_key(td, td.tg_newtuple, &entity.key_attname);
        if let (Some(old), Some(new)) = (old, new) {
            as_role(entity.owner, || store::rekey_client_rows(&entity, old, new));
        }
    });
    Ok(None)
}

/// The entity of the client table a trigger fires on; anything else is refused. The look-up
/// runs as the extension's owner: a role that may delete clients need not read pg_segment's
/// configuration.
fn firing_client_entity(relid: pg_sys::Oid) -> store::Entity {
    let entity = as_role(extension_owner(), || store::entity_of_client_table(relid));
    entity.unwrap_or_else(|| {
        SegmentError::NotAClientTable {
            table: store::relation_name(relid),
        }
        .raise()
    })
}

/// Whether the row a DELETE trigger fires for was deleted by an UPDATE that moved it to another
/// partition (its header then points nowhere, the way PostgreSQL marks such rows).
fn moved_to_another_partition(td: &pg_sys::TriggerData) -> bool {
    if td.tg_trigtuple.is_null() {
        return false;
    }
    // SAFETY: the deleted row of the firing relation and its header, valid for this call.
    unsafe {
        let header = (*td.tg_trigtuple).t_data;
        if header.is_null() {
            return false;
        }
        let ctid = &(*header).t_ctid;
        let block = (u32::from(ctid.ip_blkid.bi_hi) << 16) | u32::from(ctid.ip_blkid.bi_lo);
        u32::from(ctid.ip_posid) == pg_sys::MovedPartitionsOffsetNumber
            && block == pg_sys::InvalidBlockNumber
    }
}

/// The key of the row a row-level DELETE trigger fires for.
fn deleted_key<'a>(
    td: &'a pg_sys::TriggerData,
    key_column: &str,
) -> Option<pgrx::datum::DatumWithOid<'a>> {
    row_key(td, td.tg_trigtuple, key_column)
}

/// The key of a row of the firing relation, found by column name (a partition's columns may be
/// numbered differently from its parent's).
fn row_key<'a>(
    td: &'a pg_sys::TriggerData,
    tuple: *mut pg_sys::HeapTupleData,
    key_column: &str,
) -> Option<pgrx::datum::DatumWithOid<'a>> {
    if tuple.is_null() {
        return None;
    }
    // SAFETY: a row of the firing relation and its descriptor, valid for this call.
    unsafe {
        let desc = (*td.tg_relation).rd_att;
        let (attnum, type_oid) = pgrx::PgTupleDesc::from_pg_unchecked(desc)
            .iter()
            .find(|att| !att.is_dropped() && att.name() == key_column)
            .map(|att| (att.attnum, att.atttypid))?;
        let attno = std::num::NonZeroUsize::new(attnum as usize)?;
        let datum = pgrx::heap_getattr_raw(tuple, attno, desc)?;
        Some(pgrx::datum::DatumWithOid::new(datum, type_oid))
    }
}
