//! The triggers on every bound client table: a client's assignments and history go with the
//! client, and follow its key when it changes. They take no arguments and trust none: the
//! entity is found by the OID of the table they fire on, and they refuse any other table.

use super::TriggerResult;
use crate::direct;
use crate::entity::Entity;
use crate::error::{OrRaise, SegmentError};
use crate::firing::{FiringTrigger, Row};
use crate::security::{as_role, extension_owner};
use crate::store;
use pgrx::pg_sys;
use pgrx::prelude::*;

/// Row-level AFTER DELETE and statement-level AFTER TRUNCATE trigger: a client's assignments
/// and history go with the client. (Answers go through their foreign key.)
#[pg_trigger]
fn _client_removed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let op = trigger.op()?;
    let firing = FiringTrigger::of(trigger);
    as_client_table_owner(trigger.relid()?, |entity| {
        if matches!(op, PgTriggerOperation::Truncate) {
            store::truncate_client_rows(entity);
        } else if let Some(key) = firing.column_value(Row::Fired, &entity.key_column) {
            // A key update across partitions deletes and inserts the row, and no trigger
            // learns both keys (nor fires for the insert: not the statement trigger that
            // scores new clients by their parameters): refused for a client pg_segment keeps
            // data of, and for every client while a scheme of the table has parameters.
            if firing.row_moved_to_another_partition()
                && (store::has_client_rows(entity, &key)
                    || store::entity_has_parameters(entity.entity_id))
            {
                SegmentError::CrossPartitionRekey {
                    table: entity.client_table.clone(),
                }
                .raise();
            }
            store::delete_client_rows(entity, key);
        }
    });
    Ok(None)
}

/// Row-level AFTER UPDATE OF the key trigger: a client whose key changed keeps its score,
/// segment and history under the new key. Its answers move through their foreign key's ON
/// UPDATE CASCADE, in a statement whose trigger fires later; here its assignments and history
/// move to the new key (`store::rekey_client_rows`).
#[pg_trigger]
fn _client_rekeyed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let relid = trigger.relid()?;
    let firing = FiringTrigger::of(trigger);
    store::with_pinned_search_path(|| {
        let entity = firing_client_entity(relid);
        let old = firing.column_value(Row::Fired, &entity.key_column);
        let new = firing.column_value(Row::NewVersion, &entity.key_column);
        if let (Some(old), Some(new)) = (old, new) {
            let new_key = store::text_of(&new);
            as_role(entity.owner, || {
                store::rekey_client_rows(&entity, old, new);
                // Parameters over related tables read the rows of the new key now (related
                // rows follow a key only through a foreign key of their own).
                if let Some(key) =
                    new_key.filter(|_| store::entity_has_parameters(entity.entity_id))
                {
                    store::rescore_clients(
                        &entity,
                        &[key],
                        "client change",
                        store::ClientLock::Held,
                    );
                }
            });
        }
    });
    Ok(None)
}

/// Statement-level AFTER INSERT (with the inserted rows) and row-level AFTER UPDATE OF the
/// columns some parameter reads (only when one of them changed): the inserted or changed
/// clients are re-scored in every scheme with parameters, in the same transaction. Attached
/// and kept in step by `segment._sync_parameter_triggers`.
#[pg_trigger]
fn _client_parameters_changed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let op = trigger.op()?;
    let relid = trigger.relid()?;
    let firing = FiringTrigger::of(trigger);
    as_client_table_owner(relid, |entity| {
        if !matches!(op, PgTriggerOperation::Insert) {
            return rescore_updated_client(entity, &firing, relid);
        }
        let clients = store::inserted_clients(entity, &firing);
        if !clients.is_empty() {
            store::rescore_clients(entity, &clients, "client change", store::ClientLock::Held);
        }
    });
    Ok(None)
}

/// An UPDATE of a column some parameter reads, for one client row (whose lock the UPDATE
/// holds): in each scheme with parameters, the client's parameters are evaluated anew by a
/// kept statement that writes nothing, and their points written into its assignment directly
/// (`direct::apply_client_parameters`), without the upsert statement the SQL path plans and
/// starts for one client; a case the direct write declines, or a scheme whose parameters
/// other roles defined, goes to the SQL path (`store::rescore_scheme_clients`).
fn rescore_updated_client(entity: &Entity, firing: &FiringTrigger<'_>, relid: pg_sys::Oid) {
    let Some(key) = firing.column_value(Row::NewVersion, &entity.key_column) else {
        return;
    };
    let Some(key_text) = store::text_of(&key) else {
        return;
    };
    store::prepare_to_apply(entity);
    // (a partition's row is of the partition's own type; the direct write takes READ
    // COMMITTED only, so under the others the evaluation would run twice; the configuration's
    // lock is taken)
    let direct =
        crate::DIRECT_WRITES.get() && relid == entity.client_table_oid && direct::read_committed();
    let config = if direct {
        Some(store::compiled::get().or_raise())
    } else {
        None
    };
    let clients = [key_text];
    for scheme_id in store::client_row_scheme_ids(entity.entity_id) {
        if let Some(config) = config
            .as_ref()
            .filter(|c| !c.ruled_schemes.contains(&scheme_id))
        {
            let fresh = store::evaluate_client(entity, scheme_id, &clients[0]);
            let written = match fresh {
                Some(store::FreshParameters {
                    parameter_score: Some(score),
                    missing: false,
                }) => direct::apply_client_parameters(entity, config, scheme_id, &score, &key)
                    .or_raise(),
                _ => false,
            };
            if written {
                continue;
            }
        }
        store::rescore_scheme_clients(entity, scheme_id, &clients, "client change");
    }
}

/// Statement-level AFTER INSERT, UPDATE, DELETE (with their transition tables) and TRUNCATE
/// trigger on a related table some parameter aggregates: each client whose related rows the
/// statement touched is re-scored once, in every scheme with parameters over its table.
/// Attached and kept in step by `segment._sync_related_triggers`.
#[pg_trigger]
fn _related_rows_changed<'a>(trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    let relid = trigger.relid()?;
    let change = match trigger.op()? {
        PgTriggerOperation::Insert => store::TableChange::Insert,
        PgTriggerOperation::Update => store::TableChange::Update,
        PgTriggerOperation::Delete => store::TableChange::Delete,
        PgTriggerOperation::Truncate => store::TableChange::Truncate,
    };
    let firing = FiringTrigger::of(trigger);
    if change != store::TableChange::Truncate && firing.transition_rows() == 0 {
        return Ok(None);
    }
    store::with_pinned_search_path(|| {
        let entities = as_role(extension_owner(), || {
            store::entities_reading(relid)
                .into_iter()
                .filter_map(store::entity_by_id)
                .collect::<Vec<_>>()
        });
        for entity in entities {
            as_role(entity.owner, || {
                store::rescore_related(&entity, &firing, relid, change)
            });
        }
    });
    Ok(None)
}

/// Runs `f` with the pinned search path, as the owner of the entity of the client table a
/// trigger fires on (see `firing_client_entity`).
fn as_client_table_owner(relid: pg_sys::Oid, f: impl FnOnce(&Entity)) {
    store::with_pinned_search_path(|| {
        let entity = firing_client_entity(relid);
        as_role(entity.owner, || f(&entity));
    });
}

/// The entity of the client table a trigger fires on; anything else is refused. The look-up
/// runs as the extension's owner: a role that may delete clients need not read pg_segment's
/// configuration.
fn firing_client_entity(relid: pg_sys::Oid) -> Entity {
    let entity = as_role(extension_owner(), || store::entity_of_client_table(relid));
    entity.unwrap_or_else(|| {
        SegmentError::NotAClientTable {
            table: store::relation_name(relid),
        }
        .raise()
    })
}
