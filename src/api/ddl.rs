//! Helpers of the DDL event triggers (sql/ddl.sql) that must run in Rust: DDL on pg_segment's
//! per-table relations run as their owner, and the flag that tells that DDL from anyone else's.

use crate::client_table::ClientTable;
use crate::security;
use crate::store;
use pgrx::prelude::*;

/// Gives `relation`'s client_id column the full type of `client_table`'s `key_column`, as the
/// owner of `relation`: the rewrite evaluates the type's checks and the table's constraints,
/// which that owner controls, so it must not run with the rights of the extension's owner.
/// EXECUTE is revoked from PUBLIC (sql/ddl.sql).
#[pg_extern(volatile, strict)]
fn _retype_client_id(relation: ClientTable, client_table: ClientTable, key_column: &str) {
    store::retype_client_id(relation.0, client_table.0, key_column);
}

/// Whether the DDL running now is pg_segment's own (see `security::own_ddl_as`).
#[pg_extern(stable)]
fn _pg_segment_ddl() -> bool {
    security::own_ddl_running()
}
