//! The only layer that runs SQL. Every statement is parameterised; names of a user's relations
//! are spliced only by `query::render`, from `regclass` text printed under the pinned search
//! path or through `quote_identifier`, never from raw user text.
//!
//! | file | what it holds |
//! |---|---|
//! | `spi.rs` | SPI helpers, the pinned search path, transition-table registration |
//! | `query.rs` | the `.sql` files under `sql/queries/` and the one name-splicing helper |
//! | `plans.rs` | plans kept for the backend |
//! | `catalog.rs` | entities (a client table's relations) and their caches |
//! | `configuration.rs` | schemes, questions, options, levels: reads and writes |
//! | `config_changes.rs` | what a configuration statement changed (the configuration trigger's checks) |
//! | `compiled.rs` | the compiled configuration cache the hot path scores with |
//! | `binding.rs` | binding a client table; following its key type and owner |
//! | `clients.rs` | per-client reads and answer writes of the SQL API |
//! | `assignments.rs` | a client's stored assignment (`segment.score`, `segment.segment_of`) |
//! | `reports.rs` | whole-scheme reads: distribution, questionnaire, verify's inputs |
//! | `answer_deltas.rs` | how an answers statement is applied with SQL (known-delta and set-based tiers) |
//! | `client_rows.rs` | a client's rows follow its delete, truncate and key change |
//! | `resegment.rs` | what runs when a scheme changes: re-segmentation, score shifts, purging a dropped scheme |
//! | `keys.rs` | exact conversion of client arguments to the key type |
//! | `latest.rs` | statements under a snapshot taken now |
//! | `expressions.rs` | checking a parameter's expression when it is defined |
//! | `parameters.rs` | parameters' configuration rows; evaluating them as their definers and applying their points |
//! | `drafts.rs` | publishing a draft into its live scheme; previewing what that changes |
//! | `ruled_client.rs` | one client of a ruled scheme locked and read for its direct recompute |

mod answer_deltas;
mod assignments;
mod binding;
mod catalog;
mod client_rows;
mod clients;
pub mod compiled;
mod config_changes;
mod configuration;
pub mod drafts;
mod expressions;
mod keys;
mod latest;
mod parameters;
mod plans;
mod query;
mod reports;
mod resegment;
mod ruled_client;
pub mod rules;
mod spi;
pub mod variants;

pub use answer_deltas::{
    apply_given_delta, apply_known_delta, apply_set_based, check_configuration_current,
    isolation_uses_transaction_snapshot, KnownDelta, MisfitAnswer,
};
pub use assignments::{confirmed_scheme, stored_assignment};
pub use binding::{
    create_entity, follow_client_owner, has_table_privilege, nondeterministic_collation,
    primary_key, retype_client_ids, sync_notify_triggers, unbindable_reason,
};
pub use catalog::{
    cached_entity, entity_by_answers_table, entity_by_id, entity_of_client_table,
    existing_relation_name, maintenance_active, relation_name, scheme_ids_of_entity,
};
pub use client_rows::{
    delete_client_rows, explained_by_rekeys, has_client_rows, rekey_client_rows, text_of,
    truncate_client_rows,
};
pub use clients::{
    answer_target, client_exists, client_text, delete_answer, delete_picks, explain_inputs,
    history, lock_answers_for_writing, replace_picks, state_at, upsert_answer, upsert_value_answer,
    HistoryRow,
};
pub use config_changes::{
    delete_drafts_of_deleted, draft_of_nothing, ids_changed, question_moved_to_other_table,
    rebound_scheme, relinked_draft, scheme_bound_without_rights, schemes_touched, values_only,
};
pub use configuration::rules;
pub use configuration::{
    bump_version, delete_scheme, insert_item, insert_level, insert_question_range, insert_scheme,
    level_name_taken, level_sets, live_scheme, option_code_taken, option_id, question_id,
    question_kind, question_of_id, range_owners, scheme, scheme_by_id, scheme_name_taken, Item,
};
pub use expressions::{check_expression, comparison_unlike_grouping, CheckedExpression, Over};
pub use keys::exact_client;
pub use parameters::{
    answered_clients, client_row_scheme_ids, delete_parameter, entities_reading,
    entity_has_parameters, evaluate_client, index_for_related_rows, input_code_taken, insert_match,
    insert_parameter, insert_range, inserted_clients, match_taken, parameter_id, prepare_to_apply,
    refresh_scheme, rescore_answered, rescore_clients, rescore_related, rescore_scheme_clients,
    trial_evaluation, unsuitable_source, ClientLock, FreshParameters, RelatedTable, TableChange,
};
pub use reports::{
    all_client_inputs, check_inputs, distribution, distribution_at, questionnaire,
    questionnaire_for, score_histogram, transitions,
};
pub use resegment::{
    delete_orphaned_values, purge_deleted_schemes, recompute_scheme, relevel_scheme, ruled_now,
    ruled_scheme_ids, shift_scheme,
};
pub use ruled_client::read_ruled_client;
pub use spi::with_pinned_search_path;

/// Relcache invalidation of `relid` (InvalidOid: of every relation): drops what the store's
/// caches hold about it. Runs inside invalidation processing: drops state, never queries.
pub fn on_relcache_invalidation(relid: pgrx::pg_sys::Oid) {
    compiled::on_relcache_invalidation(relid);
    catalog::forget_relation(relid);
    assignments::forget_relation(relid);
    parameters::forget_relation(relid);
}

#[cfg(any(test, feature = "pg_test"))]
pub use query::{render as render_query, Part as QueryPart, ALL as ALL_QUERIES};
