//! pg_segment: customer scoring and segmentation inside PostgreSQL.

use pgrx::prelude::*;

// Layers, read one way: api and triggers call the engine, the store and the direct path;
// those use the shared types below them (entity, firing, client_key, cache) and error.
mod api;
mod cache;
mod client_key;
mod client_table;
mod direct;
mod engine;
mod entity;
mod error;
mod firing;
mod security;
mod store;
mod triggers;

pgrx::pg_module_magic!();

/// `pg_segment.direct_writes`: whether a single changed answer may take the direct path (see
/// `direct`). On by default; off makes every write run as SQL, for comparison or diagnosis.
pub static DIRECT_WRITES: pgrx::GucSetting<bool> = pgrx::GucSetting::<bool>::new(true);

/// Registers the relcache callback through which configuration changes made by any backend
/// reach this backend's compiled configuration, and the extension's settings.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    pgrx::GucRegistry::define_bool_guc(
        c"pg_segment.direct_writes",
        c"Apply a single changed answer without running SQL.",
        c"When on (the default), a statement that changes one answer updates the client's \
          assignment and history through the executor's single-row routines; when off, every \
          change runs as SQL statements. Both give the same results.",
        &DIRECT_WRITES,
        pgrx::GucContext::Userset,
        pgrx::GucFlags::default(),
    );
    // SAFETY: called once per backend when the library loads; the callbacks only drop caches.
    unsafe {
        pgrx::pg_sys::CacheRegisterRelcacheCallback(
            Some(relcache_callback),
            pgrx::pg_sys::Datum::from(0),
        );
        pgrx::pg_sys::CacheRegisterSyscacheCallback(
            pgrx::pg_sys::SysCacheIdentifier::NAMESPACEOID as std::ffi::c_int,
            Some(namespace_callback),
            pgrx::pg_sys::Datum::from(0),
        );
    };
}

#[pg_guard]
unsafe extern "C-unwind" fn relcache_callback(_arg: pgrx::pg_sys::Datum, relid: pgrx::pg_sys::Oid) {
    store::on_relcache_invalidation(relid);
    direct::forget_relation(relid);
}

/// A change of a schema (`ALTER SCHEMA … RENAME` above all) renames every relation in it
/// without invalidating any relation's relcache entry, yet the caches hold relations' names:
/// all of them are dropped, as for a relcache reset.
#[pg_guard]
unsafe extern "C-unwind" fn namespace_callback(
    _arg: pgrx::pg_sys::Datum,
    _cache: std::ffi::c_int,
    _hash: u32,
) {
    store::on_relcache_invalidation(pgrx::pg_sys::InvalidOid);
    direct::forget_relation(pgrx::pg_sys::InvalidOid);
}

extension_sql_file!("../sql/config.sql", name = "config", bootstrap);
extension_sql_file!("../sql/entity.sql", name = "entity", requires = ["config"]);
extension_sql_file!(
    "../sql/privileges.sql",
    name = "privileges",
    requires = ["entity"]
);
extension_sql_file!("../sql/ddl.sql", name = "ddl", requires = ["privileges"]);
extension_sql_file!(
    "../sql/parameters.sql",
    name = "parameters",
    requires = ["ddl"]
);
extension_sql_file!(
    "../sql/number_questions.sql",
    name = "number_questions",
    requires = ["parameters"]
);
extension_sql_file!(
    "../sql/rules.sql",
    name = "rules",
    requires = ["number_questions"]
);
extension_sql_file!(
    "../sql/variants.sql",
    name = "variants",
    requires = ["rules"]
);
extension_sql_file!(
    "../sql/schemes_as_code.sql",
    name = "schemes_as_code",
    requires = ["variants"]
);
extension_sql_file!(
    "../sql/notify.sql",
    name = "notify",
    requires = ["schemes_as_code"]
);
extension_sql_file!("../sql/drafts.sql", name = "drafts", requires = ["notify"]);
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
