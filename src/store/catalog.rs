//! Entities: which relations pg_segment keeps for a client table, read from segment.entities
//! and the system catalogs, and cached per backend for the triggers.

use super::query::render;
use super::spi::{exists, ok, value};
use crate::cache::BackendCache;
use crate::entity::Entity;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::spi::{Spi, SpiHeapTupleData};
use std::hash::Hash;
use std::thread::LocalKey;

/// Entries per entity cache: far more client tables than a database binds.
const MAX_ENTITIES: usize = 1024;

thread_local! {
    /// Entities by the OID of their answers table, for the answers trigger. An entry holds the
    /// names of four relations and of the key column; it goes with any relcache invalidation
    /// of one of them (rename, SET SCHEMA, ALTER, DROP) or a cache reset. Bound: `MAX_ENTITIES`.
    static BY_ANSWERS_TABLE: BackendCache<u32, Entity> = BackendCache::new(MAX_ENTITIES);
    /// Entities by the OID of a client table, or of a partition of one (the client-table
    /// triggers fire on partitions); invalidated like `BY_ANSWERS_TABLE`, and by an
    /// invalidation of the relation asked about. Bound: `MAX_ENTITIES`.
    static BY_CLIENT_TABLE: BackendCache<u32, Entity> = BackendCache::new(MAX_ENTITIES);
    /// Entities by id, for the SQL API; invalidated like `BY_ANSWERS_TABLE` (an entity's row
    /// never changes but with its relations). Bound: `MAX_ENTITIES`.
    static BY_ID: BackendCache<i32, Entity> = BackendCache::new(MAX_ENTITIES);
}

/// An entity from the columns of `entity_columns.sql`, starting at column `first`.
pub fn entity_from_row(row: &SpiHeapTupleData<'_>, first: usize) -> Entity {
    let text = |i: usize| ok(row.get::<String>(first + i)).unwrap_or_default();
    let oid = |i: usize| ok(row.get::<pg_sys::Oid>(first + i)).unwrap_or_default();
    let answers = text(4);
    let picks = ok(row.get::<String>(first + 14)).unwrap_or_else(|| {
        format!(
            "(SELECT client_id, question_id, option_id, answered_at FROM {answers} WHERE false)"
        )
    });
    Entity {
        entity_id: ok(row.get::<i32>(first)).unwrap_or_default(),
        client_table: text(1),
        key_column: text(2),
        key_type: text(3),
        answers,
        assignments: text(5),
        history: text(6),
        client_table_oid: oid(7),
        answers_oid: oid(8),
        assignments_oid: oid(9),
        history_oid: oid(10),
        key_type_oid: oid(11),
        key_typmod: ok(row.get::<i32>(first + 12)).unwrap_or(-1),
        owner: oid(13),
        picks,
        picks_oid: oid(15),
    }
}

/// The first entity a template over segment.entities e selects ($1 an OID or an entity id).
fn entity_where(template: &str, key: DatumWithOid<'_>) -> Option<Entity> {
    let sql = render(template, &[]);
    Spi::connect(|c| {
        let rows = ok(c.select(sql.as_str(), Some(1), &[key]));
        rows.into_iter().next().map(|row| entity_from_row(&row, 1))
    })
}

const ANSWERS_TABLE_IS: &str = "SELECT {{entity_columns}} FROM segment.entities e \
     WHERE e.answers_table = $1::pg_catalog.oid OR e.picks_table = $1::pg_catalog.oid";
const ENTITY_ID_IS: &str =
    "SELECT {{entity_columns}} FROM segment.entities e WHERE e.entity_id = $1";
const CLIENT_TABLE_IS: &str = "SELECT {{entity_columns}} FROM segment.entities e \
     WHERE e.client_table = $1::pg_catalog.oid OR e.client_table IN \
           (SELECT relid FROM pg_catalog.pg_partition_ancestors($1::pg_catalog.regclass))";

/// The entity of an answers (or picks) table if this backend has looked it up before; never
/// queries.
pub fn cached_entity(answers_table: pg_sys::Oid) -> Option<Entity> {
    BY_ANSWERS_TABLE.with(|m| m.get(&answers_table.to_u32()))
}

/// The entity `key` names in `cache`, read with `template` ($1 `param`) and remembered when the
/// cache has none.
fn cached_or_read<K: Eq + Hash>(
    cache: &'static LocalKey<BackendCache<K, Entity>>,
    key: K,
    template: &str,
    param: DatumWithOid<'_>,
) -> Option<Entity> {
    if let Some(entity) = cache.with(|m| m.get(&key)) {
        return Some(entity);
    }
    let entity = entity_where(template, param)?;
    cache.with(|m| m.insert(key, entity.clone()));
    Some(entity)
}

/// The entity of an answers table or of a picks table (both fire the answers trigger).
pub fn entity_by_answers_table(relid: pg_sys::Oid) -> Option<Entity> {
    cached_or_read(
        &BY_ANSWERS_TABLE,
        relid.to_u32(),
        ANSWERS_TABLE_IS,
        relid.into(),
    )
}

/// The entity of that id.
pub fn entity_by_id(entity_id: i32) -> Option<Entity> {
    cached_or_read(&BY_ID, entity_id, ENTITY_ID_IS, entity_id.into())
}

/// The entity of a client table, or of the partitioned table a partition belongs to.
pub fn entity_of_client_table(relid: pg_sys::Oid) -> Option<Entity> {
    cached_or_read(
        &BY_CLIENT_TABLE,
        relid.to_u32(),
        CLIENT_TABLE_IS,
        relid.into(),
    )
}

/// Drops what the entity caches hold about `relid` (InvalidOid: about every relation). Runs
/// inside invalidation processing: drops state, never queries.
pub fn forget_relation(relid: pg_sys::Oid) {
    let stale = |e: &Entity| relid == pg_sys::InvalidOid || e.relation_oids().contains(&relid);
    BY_ANSWERS_TABLE.with(|m| m.retain(|_, e| !stale(e)));
    BY_ID.with(|m| m.retain(|_, e| !stale(e)));
    BY_CLIENT_TABLE.with(|m| m.retain(|firing, e| !stale(e) && *firing != relid.to_u32()));
}

/// A relation's name as SQL would need to spell it, or None when no relation has that OID.
pub fn existing_relation_name(relid: pg_sys::Oid) -> Option<String> {
    value::<String>(
        "SELECT c.oid::pg_catalog.regclass::text FROM pg_catalog.pg_class c WHERE c.oid = $1",
        &[relid.into()],
    )
}

/// A relation's name as SQL would need to spell it (schema-qualified, quoted as needed).
pub fn relation_name(relid: pg_sys::Oid) -> String {
    existing_relation_name(relid).unwrap_or_else(|| relid.to_string())
}

/// Whether the answers triggers of an entity are in place and enabled. They are missing while
/// pg_restore loads data (triggers come after data), and then recomputing must wait.
pub fn maintenance_active(entity: &Entity) -> bool {
    exists(
        "SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = $1 \
         AND t.tgname = 'segment_answers_insert' AND t.tgenabled <> 'D'",
        &[entity.answers_oid.into()],
    )
}

pub fn scheme_ids_of_entity(entity_id: i32) -> Vec<i32> {
    Spi::connect(|c| {
        ok(c.select(
            "SELECT scheme_id FROM segment.schemes WHERE entity_id = $1 AND draft_of IS NULL \
             ORDER BY scheme_id",
            None,
            &[entity_id.into()],
        ))
        .filter_map(|row| ok(row.get::<i32>(1)))
        .collect()
    })
}
