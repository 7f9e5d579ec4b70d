//! Helpers of the DDL event triggers (sql/ddl.sql) that must run in Rust: DDL on pg_segment's
//! per-table relations run as their owner, and the flag that tells that DDL from anyone else's.

use crate::security;
use crate::store;
use pgrx::prelude::*;

/// Gives the client_id columns of an entity's tables the full type of the client table's
/// `key_column`, as the owner of those tables: the rewrite evaluates the type's checks and the
/// tables' constraints, which that owner controls, so it must not run with the rights of the
/// extension's owner. EXECUTE is revoked from PUBLIC (sql/finalize.sql).
#[pg_extern(volatile, strict)]
fn _retype_client_ids(entity_id: i32, key_column: &str) {
    store::retype_client_ids(entity_id, key_column);
}

/// Which of pg_segment's own DDL is running now: '' (none), 'bind' or 'retype' (see
/// `security::own_ddl_as`).
#[pg_extern(stable)]
fn _pg_segment_ddl() -> &'static str {
    security::own_ddl_running().name()
}

/// Gives an entity's relations to its client table's new owner (see
/// `store::follow_client_owner`). EXECUTE is revoked from PUBLIC (sql/finalize.sql).
#[pg_extern(volatile, strict)]
fn _follow_client_owner(entity_id: i32) {
    store::follow_client_owner(entity_id);
}
