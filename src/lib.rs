//! pg_segment: customer scoring and segmentation inside PostgreSQL.

use pgrx::prelude::*;

pub mod api;
pub mod client_key;
pub mod engine;
pub mod error;
pub mod store;
pub mod triggers;

pgrx::pg_module_magic!();

extension_sql_file!("../sql/config.sql", name = "config", bootstrap);
extension_sql_file!("../sql/entity.sql", name = "entity", requires = ["config"]);
extension_sql_file!("../sql/finalize.sql", name = "finalize", finalize);

#[cfg(any(test, feature = "pg_test"))]
mod pg_tests;

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
