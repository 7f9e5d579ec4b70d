//! The only module that runs SQL. Every query is parameterised; every identifier of a user's
//! relation comes from a regclass printed under the pinned search_path (so it is schema-qualified
//! and quoted) or from quote_ident, never from raw user text.

use crate::client_key::ClientKey;
use crate::engine::{Bound, ExplainInput, Level};
use crate::error::{Result, SegmentError};
use pgrx::datum::{AnyNumeric, DatumWithOid, TimestampWithTimeZone};
use pgrx::pg_sys;
use pgrx::spi::OwnedPreparedStatement;
use pgrx::spi::{Spi, SpiClient, SpiResult};
use pgrx::PgOid;
use rust_decimal::Decimal;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

pub mod compiled;
mod keys;
mod latest;

pub use keys::exact_client;

/// SPI misuse (a wrong column type or ordinal) is a bug in this module, not a user error.
fn ok<T>(result: SpiResult<T>) -> T {
    result.unwrap_or_else(|e| panic!("pg_segment internal SPI error: {e}"))
}

/// The first column of the first row, or None when the query returns no row (or NULL).
fn value<T: pgrx::FromDatum + pgrx::IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> Option<T> {
    Spi::connect(|c| {
        ok(c.select(query, Some(1), args))
            .next()
            .and_then(|row| ok(row.get::<T>(1)))
    })
}

/// Like `value`, for a statement that writes (INSERT/UPDATE … RETURNING). No row limit: a
/// limit stops the executor early, and statement-level AFTER triggers would never fire.
fn value_mut<T: pgrx::FromDatum + pgrx::IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> Option<T> {
    Spi::connect_mut(|c| {
        ok(c.update(query, None, args))
            .next()
            .and_then(|row| ok(row.get::<T>(1)))
    })
}

fn decimal(text: Option<String>) -> Result<Option<Decimal>> {
    text.map(|t| crate::engine::model::parse_decimal(&t))
        .transpose()
        .map_err(SegmentError::from)
}

/// The client table a scheme is bound to and the relations pg_segment keeps for it; every
/// name is ready to be spliced into SQL.
#[derive(Debug, Clone)]
pub struct Entity {
    pub entity_id: i32,
    pub client_table: String,
    /// the client table's primary key column as it is named now, quoted for SQL
    pub key_column: String,
    /// the same name unquoted, as the catalog holds it
    pub key_attname: String,
    /// the key's full type, modifiers included (`character(5)`, `numeric(12,2)`, a domain)
    pub key_type: String,
    pub answers: String,
    pub assignments: String,
    pub history: String,
    pub client_table_oid: pg_sys::Oid,
    pub answers_oid: pg_sys::Oid,
    pub assignments_oid: pg_sys::Oid,
    pub history_oid: pg_sys::Oid,
    /// the type OID of client_id (a domain's own OID for a domain)
    pub key_type_oid: pg_sys::Oid,
    /// client_id's type modifier, -1 for none
    pub key_typmod: i32,
    /// the owner of the assignments table, whose rights maintenance runs with
    pub owner: pg_sys::Oid,
}

impl Entity {
    /// The relations whose names this entity holds.
    pub fn relation_oids(&self) -> [pg_sys::Oid; 4] {
        [
            self.client_table_oid,
            self.answers_oid,
            self.assignments_oid,
            self.history_oid,
        ]
    }
}

#[derive(Debug, Clone)]
pub struct Scheme {
    pub scheme_id: i32,
    pub name: String,
    pub entity: Entity,
}

/// An entity's columns, names as they are now: the key column is the client table's primary
/// key column (followed through renames), the key type is client_id's with its modifiers.
const ENTITY_COLUMNS: &str = "e.entity_id, e.client_table::text, \
     COALESCE((SELECT a.attname FROM pg_catalog.pg_index i \
        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
        WHERE i.indrelid = e.client_table AND i.indisprimary AND i.indnkeyatts = 1), e.key_column)::text, \
     (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a \
        WHERE a.attrelid = e.answers_table AND a.attname = 'client_id' AND NOT a.attisdropped), \
     e.answers_table::text, e.assignments_table::text, e.history_table::text, \
     e.client_table::oid, e.answers_table::oid, e.assignments_table::oid, e.history_table::oid, \
     (SELECT a.atttypid FROM pg_catalog.pg_attribute a \
        WHERE a.attrelid = e.answers_table AND a.attname = 'client_id' AND NOT a.attisdropped), \
     (SELECT a.atttypmod FROM pg_catalog.pg_attribute a \
        WHERE a.attrelid = e.answers_table AND a.attname = 'client_id' AND NOT a.attisdropped), \
     (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = e.assignments_table)";

fn entity_from_row(row: &pgrx::spi::SpiHeapTupleData<'_>, first: usize) -> Entity {
    let text = |i: usize| ok(row.get::<String>(first + i)).unwrap_or_default();
    let oid = |i: usize| ok(row.get::<pg_sys::Oid>(first + i)).unwrap_or_default();
    Entity {
        entity_id: ok(row.get::<i32>(first)).unwrap_or_default(),
        client_table: text(1),
        key_column: pgrx::spi::quote_identifier(text(2)),
        key_attname: text(2),
        key_type: text(3),
        answers: text(4),
        assignments: text(5),
        history: text(6),
        client_table_oid: oid(7),
        answers_oid: oid(8),
        assignments_oid: oid(9),
        history_oid: oid(10),
        key_type_oid: oid(11),
        key_typmod: ok(row.get::<i32>(first + 12)).unwrap_or(-1),
        owner: oid(13),
    }
}

// ---------------------------------------------------------------------------------------------
// Look-ups of configuration

fn all_names(query: &str, args: &[DatumWithOid<'_>]) -> Vec<String> {
    Spi::connect(|c| {
        ok(c.select(query, None, args))
            .map(|row| ok(row.get::<String>(1)).unwrap_or_default())
            .collect()
    })
}

pub fn scheme(name: &str) -> Result<Scheme> {
    let query = format!(
        "SELECT s.scheme_id, s.name, {ENTITY_COLUMNS} FROM segment.schemes s \
         JOIN segment.entities e ON e.entity_id = s.entity_id WHERE s.name = $1"
    );
    let found = Spi::connect(|c| {
        let rows = ok(c.select(query.as_str(), Some(1), &[name.into()]));
        rows.into_iter().next().map(|row| Scheme {
            scheme_id: ok(row.get::<i32>(1)).unwrap_or_default(),
            name: ok(row.get::<String>(2)).unwrap_or_default(),
            entity: entity_from_row(&row, 3),
        })
    });
    found.ok_or_else(|| SegmentError::UnknownScheme {
        name: name.to_string(),
        known: all_names("SELECT name FROM segment.schemes ORDER BY name", &[]),
    })
}

pub fn scheme_by_id(scheme_id: i32) -> Option<Scheme> {
    let query = format!(
        "SELECT s.scheme_id, s.name, {ENTITY_COLUMNS} FROM segment.schemes s \
         JOIN segment.entities e ON e.entity_id = s.entity_id WHERE s.scheme_id = $1"
    );
    Spi::connect(|c| {
        let rows = ok(c.select(query.as_str(), Some(1), &[scheme_id.into()]));
        rows.into_iter().next().map(|row| Scheme {
            scheme_id: ok(row.get::<i32>(1)).unwrap_or_default(),
            name: ok(row.get::<String>(2)).unwrap_or_default(),
            entity: entity_from_row(&row, 3),
        })
    })
}

thread_local! {
    /// Entities by the OID of their answers table, for the answers trigger. An entry holds the
    /// names of four relations and of the key column; it goes with any relcache invalidation
    /// of one of them (rename, SET SCHEMA, ALTER, DROP) or a cache reset. Bound: one entry per
    /// bound client table.
    static ENTITIES: RefCell<HashMap<u32, Entity>> = RefCell::new(HashMap::new());
    /// Schemes by name with their kept look-up plans, for the read functions. The SQL look-up
    /// re-checks the name in the same query; the direct read trusts an entry only while no
    /// invalidation of segment.schemes has arrived since the SQL look-up last confirmed it
    /// (`compiled::generation`). An entry goes like its entity's. Bound: one entry, with one
    /// kept plan, per scheme name looked up.
    static SCHEMES: RefCell<HashMap<String, CachedScheme>> = RefCell::new(HashMap::new());
    /// Entities by the OID of a client table (or of a partition of one, on which the client-table
    /// triggers fire); invalidated like `ENTITIES`, and by an invalidation of that relation.
    static CLIENT_ENTITIES: RefCell<HashMap<u32, Entity>> = RefCell::new(HashMap::new());
    /// Set when an invalidation arrived while the maps above were borrowed.
    static ENTITIES_DIRTY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with `search_path = pg_catalog, pg_temp`, restored afterwards, as a function's
/// `SET search_path` clause would (on an error, the transaction's abort restores it).
pub fn with_pinned_search_path<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: the GUC calls fmgr makes for a function's SET clause, nested the same way.
    unsafe {
        let level = pg_sys::NewGUCNestLevel();
        pg_sys::set_config_option(
            c"search_path".as_ptr(),
            c"pg_catalog, pg_temp".as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_SAVE,
            true,
            0,
            false,
        );
        let result = f();
        pg_sys::AtEOXact_GUC(true, level);
        result
    }
}

/// The entity of an answers table if this backend has looked it up before; never queries.
pub fn cached_entity(answers_table: pg_sys::Oid) -> Option<Entity> {
    clear_if_dirty();
    ENTITIES.with(|m| m.borrow().get(&answers_table.to_u32()).cloned())
}

/// Relcache invalidation callback, registered in `_PG_init`: drops whatever this backend
/// cached about `relid` (InvalidOid: about every relation). It runs inside invalidation
/// processing, so it only drops state and never queries.
pub fn on_relcache_invalidation(relid: pg_sys::Oid) {
    crate::direct::forget_relation(relid);
    compiled::on_relcache_invalidation(relid);
    let stale = |e: &Entity| relid == pg_sys::InvalidOid || e.relation_oids().contains(&relid);
    ENTITIES.with(|m| match m.try_borrow_mut() {
        Ok(mut m) => m.retain(|_, e| !stale(e)),
        Err(_) => ENTITIES_DIRTY.with(|d| d.set(true)),
    });
    CLIENT_ENTITIES.with(|m| match m.try_borrow_mut() {
        Ok(mut m) => m.retain(|firing, e| !stale(e) && *firing != relid.to_u32()),
        Err(_) => ENTITIES_DIRTY.with(|d| d.set(true)),
    });
    SCHEMES.with(|m| match m.try_borrow_mut() {
        Ok(mut m) => m.retain(|_, s| !stale(&s.scheme.entity)),
        Err(_) => ENTITIES_DIRTY.with(|d| d.set(true)),
    });
}

/// Empties the entity and scheme caches if an invalidation could not reach them (it came while
/// they were borrowed).
fn clear_if_dirty() {
    if ENTITIES_DIRTY.with(|d| d.replace(false)) {
        ENTITIES.with(|m| m.borrow_mut().clear());
        CLIENT_ENTITIES.with(|m| m.borrow_mut().clear());
        SCHEMES.with(|m| m.borrow_mut().clear());
    }
}

struct CachedScheme {
    scheme: Rc<Scheme>,
    /// `compiled::generation()` when an SQL look-up last found this name naming this scheme
    confirmed: Option<u64>,
    /// kept plan of the assignment look-up
    lookup: Option<Rc<OwnedPreparedStatement>>,
}

pub fn entity_by_answers_table(relid: pg_sys::Oid) -> Option<Entity> {
    clear_if_dirty();
    if let Some(entity) = cached_entity(relid) {
        return Some(entity);
    }
    let query = format!(
        "SELECT {ENTITY_COLUMNS} FROM segment.entities e WHERE e.answers_table = $1::pg_catalog.oid"
    );
    let entity = Spi::connect(|c| {
        let rows = ok(c.select(query.as_str(), Some(1), &[relid.into()]));
        rows.into_iter().next().map(|row| entity_from_row(&row, 1))
    })?;
    ENTITIES.with(|m| m.borrow_mut().insert(relid.to_u32(), entity.clone()));
    Some(entity)
}

/// The entity of a client table, or of the partitioned table a partition belongs to (the
/// client-table triggers are cloned to partitions and fire on them). Cached like `ENTITIES`, by
/// the relation asked about; also dropped by an invalidation of that relation.
pub fn entity_of_client_table(relid: pg_sys::Oid) -> Option<Entity> {
    clear_if_dirty();
    if let Some(entity) = CLIENT_ENTITIES.with(|m| m.borrow().get(&relid.to_u32()).cloned()) {
        return Some(entity);
    }
    let query = format!(
        "SELECT {ENTITY_COLUMNS} FROM segment.entities e \
         WHERE e.client_table = $1::pg_catalog.oid OR e.client_table IN \
               (SELECT relid FROM pg_catalog.pg_partition_ancestors($1::pg_catalog.regclass))"
    );
    let entity = Spi::connect(|c| {
        let rows = ok(c.select(query.as_str(), Some(1), &[relid.into()]));
        rows.into_iter().next().map(|row| entity_from_row(&row, 1))
    })?;
    CLIENT_ENTITIES.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MAX_CLIENT_ENTITIES {
            m.clear();
        }
        m.insert(relid.to_u32(), entity.clone())
    });
    Some(entity)
}

const MAX_CLIENT_ENTITIES: usize = 1024;

pub fn question_id(scheme: &Scheme, code: &str) -> Result<i32> {
    let id = value::<i32>(
        "SELECT question_id FROM segment.questions WHERE scheme_id = $1 AND code = $2",
        &[scheme.scheme_id.into(), code.into()],
    );
    id.ok_or_else(|| SegmentError::UnknownQuestion {
        scheme: scheme.name.clone(),
        code: code.to_string(),
        known: all_names(
            "SELECT code FROM segment.questions WHERE scheme_id = $1 ORDER BY position, code",
            &[scheme.scheme_id.into()],
        ),
    })
}

pub fn option_id(scheme: &Scheme, question: &str, question_id: i32, code: &str) -> Result<i32> {
    let id = value::<i32>(
        "SELECT option_id FROM segment.options WHERE question_id = $1 AND code = $2",
        &[question_id.into(), code.into()],
    );
    id.ok_or_else(|| SegmentError::UnknownOption {
        scheme: scheme.name.clone(),
        question: question.to_string(),
        code: code.to_string(),
        known: all_names(
            "SELECT code FROM segment.options WHERE question_id = $1 ORDER BY position, code",
            &[question_id.into()],
        ),
    })
}

pub fn exists(query: &str, args: &[DatumWithOid<'_>]) -> bool {
    value::<bool>(&format!("SELECT EXISTS ({query})"), args).unwrap_or(false)
}

pub fn levels(scheme_id: i32) -> Result<Vec<Level>> {
    Spi::connect(|c| {
        let rows = ok(c.select(
            "SELECT name, min_score::text, max_score::text FROM segment.levels \
             WHERE scheme_id = $1 ORDER BY min_score, name",
            None,
            &[scheme_id.into()],
        ));
        rows.map(|row| level_from_row(&row, 1)).collect()
    })
}

/// A level from the columns name, min_score::text, max_score::text starting at `first`.
fn level_from_row(row: &pgrx::spi::SpiHeapTupleData<'_>, first: usize) -> Result<Level> {
    let bound = |i: usize| -> Result<Bound> {
        Ok(Bound::parse(
            &ok(row.get::<String>(first + i)).unwrap_or_default(),
        )?)
    };
    Ok(Level {
        name: ok(row.get::<String>(first)).unwrap_or_default(),
        min: bound(1)?,
        max: bound(2)?,
    })
}

// ---------------------------------------------------------------------------------------------
// Binding client tables

pub struct PrimaryKey {
    pub relkind: String,
    pub key_columns: Vec<(String, pg_sys::Oid)>,
}

pub fn primary_key(table: pg_sys::Oid) -> PrimaryKey {
    Spi::connect(|c| {
        let relkind = ok(c.select(
            "SELECT relkind::text FROM pg_catalog.pg_class WHERE oid = $1",
            Some(1),
            &[table.into()],
        ))
        .first()
        .get_one::<String>();
        let key_columns = ok(c.select(
            "SELECT a.attname::text, a.atttypid FROM pg_catalog.pg_index i \
             CROSS JOIN LATERAL pg_catalog.unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
             WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.n",
            None,
            &[table.into()],
        ))
        .map(|row| {
            (
                ok(row.get::<String>(1)).unwrap_or_default(),
                ok(row.get::<pg_sys::Oid>(2)).unwrap(),
            )
        })
        .collect();
        PrimaryKey {
            relkind: ok(relkind).unwrap_or_default(),
            key_columns,
        }
    })
}

pub fn has_table_privilege(table: pg_sys::Oid, privilege: &str) -> bool {
    value::<bool>(
        "SELECT pg_catalog.has_table_privilege($1, $2)",
        &[table.into(), privilege.into()],
    )
    .unwrap_or(false)
}

/// Creates the answers, assignments and history tables of a client table and registers them.
pub fn create_entity(table: pg_sys::Oid, key_column: &str, key_type: pg_sys::Oid) -> Entity {
    Spi::connect_mut(|c| {
        // A readable, unique prefix: schema_table, cut to leave room for the suffixes.
        let prefix: String = ok(c
            .select(
                "SELECT pg_catalog.left(pg_catalog.regexp_replace(n.nspname || '_' || r.relname, \
                 '[^[:alnum:]_]+', '_', 'g'), 40) FROM pg_catalog.pg_class r \
                 JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = $1",
                Some(1),
                &[table.into()],
            )
            .and_then(|t| t.first().get_one::<String>()))
        .unwrap_or_default();
        let taken = |c: &SpiClient<'_>, p: &str| -> bool {
            !ok(c.select(
                "SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = 'segment'::regnamespace \
                 AND relname IN ($1 || '_answers', $1 || '_assignments', $1 || '_history')",
                Some(1),
                &[p.into()],
            ))
            .is_empty()
        };
        let mut chosen = prefix.clone();
        let mut n = 2;
        while taken(c, &chosen) {
            chosen = format!("{prefix}_{n}");
            n += 1;
        }
        ok(c.update(
            "SELECT segment._create_entity_relations($1, $2, $3, $4)",
            None,
            &[
                unsafe { DatumWithOid::new(table, pg_sys::REGCLASSOID) },
                key_column.into(),
                unsafe { DatumWithOid::new(key_type, pg_sys::REGTYPEOID) },
                chosen.as_str().into(),
            ],
        ));
        let query = format!(
            "WITH e AS (INSERT INTO segment.entities (client_table, key_column, key_type, \
             answers_table, assignments_table, history_table) VALUES ($1, $2, $3, \
             pg_catalog.format('segment.%I', $4 || '_answers')::regclass, \
             pg_catalog.format('segment.%I', $4 || '_assignments')::regclass, \
             pg_catalog.format('segment.%I', $4 || '_history')::regclass) RETURNING *) \
             SELECT {ENTITY_COLUMNS} FROM e"
        );
        let rows = ok(c.update(
            query.as_str(),
            None,
            &[
                unsafe { DatumWithOid::new(table, pg_sys::REGCLASSOID) },
                key_column.into(),
                unsafe { DatumWithOid::new(key_type, pg_sys::REGTYPEOID) },
                chosen.as_str().into(),
            ],
        ));
        let row = rows
            .into_iter()
            .next()
            .expect("INSERT … RETURNING returns its row");
        let entity = entity_from_row(&row, 1);
        ok(c.update(
            "SELECT segment._grant_new_entity($1)",
            None,
            &[entity.entity_id.into()],
        ));
        entity
    })
}

// ---------------------------------------------------------------------------------------------
// Writing configuration

pub fn insert_returning_id(query: &str, args: &[DatumWithOid<'_>]) -> i32 {
    value_mut::<i32>(query, args).expect("INSERT … RETURNING returns an id")
}

pub fn delete_scheme(scheme_id: i32) {
    Spi::connect_mut(|c| {
        ok(c.update(
            "DELETE FROM segment.schemes WHERE scheme_id = $1",
            None,
            &[scheme_id.into()],
        ));
    })
}

// ---------------------------------------------------------------------------------------------
// Clients

fn client_arg(client: ClientKey) -> DatumWithOid<'static> {
    client.param()
}

pub fn client_text(entity: &Entity, client: ClientKey) -> String {
    let query = format!("SELECT CAST(CAST($1 AS {}) AS text)", entity.key_type);
    value::<String>(&query, &[client_arg(client)]).unwrap_or_default()
}

/// Whether the client exists, asked as the owner of the entity's relations: a writer needs
/// no right to read the client table (the answers' foreign key checks it as the owner too).
pub fn client_exists(entity: &Entity, client: ClientKey) -> bool {
    let _owner = crate::security::ActingAs::role(entity.owner);
    exists(
        &format!(
            "SELECT 1 FROM {} WHERE {} = CAST($1 AS {})",
            entity.client_table, entity.key_column, entity.key_type
        ),
        &[client_arg(client)],
    )
}

pub fn upsert_answer(entity: &Entity, client: ClientKey, question_id: i32, option_id: i32) {
    let query = format!(
        "INSERT INTO {} AS a (client_id, question_id, option_id) VALUES (CAST($1 AS {}), $2, $3) \
         ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id, \
         answered_at = pg_catalog.now() WHERE a.option_id IS DISTINCT FROM EXCLUDED.option_id",
        entity.answers, entity.key_type
    );
    Spi::connect_mut(|c| {
        ok(c.update(
            query.as_str(),
            None,
            &[client_arg(client), question_id.into(), option_id.into()],
        ));
    })
}

pub fn delete_answer(entity: &Entity, client: ClientKey, question_id: i32) -> bool {
    let query = format!(
        "DELETE FROM {} WHERE client_id = CAST($1 AS {}) AND question_id = $2",
        entity.answers, entity.key_type
    );
    Spi::connect_mut(|c| {
        !ok(c.update(
            query.as_str(),
            None,
            &[client_arg(client), question_id.into()],
        ))
        .is_empty()
    })
}

/// The stored assignment of a client: (score, segment); None when the client is not
/// categorized. Raises for an unknown scheme or client.
///
/// The hot path of `segment.score` and `segment.segment_of`: one kept plan that looks the
/// scheme up by name (so a cached scheme that was dropped or re-created is noticed) and probes
/// the assignment by primary key.
/// A client's assignment in the named scheme: its score (read only `with_score`) and segment;
/// None while the client is uncategorized.
pub fn current_assignment(
    name: &str,
    client: ClientKey,
    with_score: bool,
) -> Result<Option<(Option<AnyNumeric>, Option<String>)>> {
    compiled::watch_schemes_table();
    compiled::accept_invalidations();
    clear_if_dirty();
    let generation = compiled::generation();
    let confirmed = SCHEMES.with(|m| {
        m.borrow()
            .get(name)
            .filter(|entry| entry.confirmed == Some(generation))
            .map(|entry| entry.scheme.clone())
    });
    if let Some(scheme) = confirmed {
        let direct =
            crate::direct::read_assignment(&scheme.entity, scheme.scheme_id, client, with_score);
        if let Some(found) = direct {
            return Ok(Some(found));
        }
    }
    for attempt in 0..2 {
        let (scheme, plan) = assignment_lookup(name)?;
        let e = &scheme.entity;
        let client = keys::exact_client(e, client)?;
        let found = Spi::connect(|c| {
            // The entity's table OIDs are part of the check: a scheme of the same name and id
            // in a re-created extension has new tables, which the direct read must not miss.
            let args = [
                name.into(),
                client_arg(client),
                e.entity_id.into(),
                e.assignments_oid.into(),
            ];
            ok(c.select(&*plan, Some(1), &args)).next().map(|row| {
                let assigned = ok(row.get::<bool>(4)).unwrap_or(false);
                let score = if with_score && assigned {
                    ok(row.get::<AnyNumeric>(2))
                } else {
                    None
                };
                (
                    ok(row.get::<i32>(1)),
                    assigned,
                    score,
                    ok(row.get::<String>(3)),
                )
            })
        });
        match found {
            Some((Some(scheme_id), assigned, score, segment)) if scheme_id == scheme.scheme_id => {
                // The name named this scheme under this statement's snapshot; an invalidation
                // since `generation` was read leaves the entry unconfirmed.
                SCHEMES.with(|m| {
                    if let Some(entry) = m.borrow_mut().get_mut(name) {
                        entry.confirmed = Some(generation);
                    }
                });
                return if assigned {
                    Ok(Some((score, segment)))
                } else if client_exists(e, client) {
                    Ok(None)
                } else {
                    Err(SegmentError::ClientNotFound {
                        table: e.client_table.clone(),
                        key: client_text(e, client),
                    })
                };
            }
            // dropped, or re-created under the same name: forget it and look again
            _ if attempt == 0 => {
                SCHEMES.with(|m| m.borrow_mut().remove(name));
            }
            _ => break,
        }
    }
    // The scheme vanished between the look-up and the probe.
    Err(SegmentError::UnknownScheme {
        name: name.to_string(),
        known: Vec::new(),
    })
}

/// The cached scheme of that name and its kept look-up plan (keys of the key's own type),
/// prepared on first use.
fn assignment_lookup(name: &str) -> Result<(Rc<Scheme>, Rc<OwnedPreparedStatement>)> {
    let cached = SCHEMES.with(|m| {
        m.borrow().get(name).and_then(|entry| {
            entry
                .lookup
                .as_ref()
                .map(|plan| (entry.scheme.clone(), plan.clone()))
        })
    });
    if let Some(found) = cached {
        return Ok(found);
    }
    let scheme = match SCHEMES.with(|m| m.borrow().get(name).map(|entry| entry.scheme.clone())) {
        Some(scheme) => scheme,
        None => Rc::new(self::scheme(name)?),
    };
    let e = &scheme.entity;
    let sql = format!(
        "SELECT s.scheme_id, a.score, a.segment, a.scheme_id IS NOT NULL FROM segment.schemes s \
         JOIN segment.entities e ON e.entity_id = s.entity_id \
         LEFT JOIN {} a ON a.scheme_id = s.scheme_id AND a.client_id = $2 \
         WHERE s.name = $1 AND s.entity_id = $3 AND e.assignments_table::pg_catalog.oid = $4",
        e.assignments
    );
    let types = [
        PgOid::from(pg_sys::TEXTOID),
        PgOid::from(e.key_type_oid),
        PgOid::from(pg_sys::INT4OID),
        PgOid::from(pg_sys::OIDOID),
    ];
    let plan = Spi::connect(|c| cached_plan(c, NO_TRANSITION_TABLES, &sql, &types, false));
    SCHEMES.with(|m| {
        let mut m = m.borrow_mut();
        let entry = m.entry(name.to_string()).or_insert_with(|| CachedScheme {
            scheme: scheme.clone(),
            confirmed: None,
            lookup: None,
        });
        entry.lookup = Some(plan.clone());
    });
    Ok((scheme, plan))
}

/// Every question of the scheme in display order, with the client's answer if any.
pub fn explain_inputs(scheme: &Scheme, client: ClientKey) -> Result<Vec<ExplainInput>> {
    let query = format!(
        "SELECT q.position, q.code, q.weight::text, o.code, o.points::text \
         FROM segment.questions q \
         LEFT JOIN {} a ON a.question_id = q.question_id AND a.client_id = CAST($2 AS {}) \
         LEFT JOIN segment.options o ON o.option_id = a.option_id \
         WHERE q.scheme_id = $1 ORDER BY q.position, q.code",
        scheme.entity.answers, scheme.entity.key_type
    );
    rows_of_client(scheme, client, &query, |row| {
        let weight = decimal(ok(row.get::<String>(3)))?.unwrap_or_default();
        let option = ok(row.get::<String>(4));
        let points = decimal(ok(row.get::<String>(5)))?;
        Ok(ExplainInput {
            position: ok(row.get::<i32>(1)).unwrap_or_default(),
            question: ok(row.get::<String>(2)).unwrap_or_default(),
            weight,
            answer: option.zip(points),
        })
    })
}

/// Runs a query whose $1 is the scheme id and $2 the client, mapping each row.
fn rows_of_client<T>(
    scheme: &Scheme,
    client: ClientKey,
    query: &str,
    map: impl FnMut(pgrx::spi::SpiHeapTupleData<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    Spi::connect(|c| {
        ok(c.select(query, None, &[scheme.scheme_id.into(), client_arg(client)]))
            .map(map)
            .collect()
    })
}

pub struct HistoryRow {
    pub changed_at: Option<TimestampWithTimeZone>,
    pub old_score: Option<Decimal>,
    pub new_score: Option<Decimal>,
    pub old_segment: Option<String>,
    pub new_segment: Option<String>,
    pub cause: Option<String>,
    pub version: Option<i32>,
}

pub fn history(scheme: &Scheme, client: ClientKey) -> Result<Vec<HistoryRow>> {
    let query = format!(
        "SELECT changed_at, old_score::text, new_score::text, old_segment, new_segment, cause, version \
         FROM {} WHERE scheme_id = $1 AND client_id = CAST($2 AS {}) ORDER BY history_id",
        scheme.entity.history, scheme.entity.key_type
    );
    rows_of_client(scheme, client, &query, |row| {
        Ok(HistoryRow {
            changed_at: ok(row.get(1)),
            old_score: decimal(ok(row.get(2)))?,
            new_score: decimal(ok(row.get(3)))?,
            old_segment: ok(row.get(4)),
            new_segment: ok(row.get(5)),
            cause: ok(row.get(6)),
            version: ok(row.get(7)),
        })
    })
}

/// Assigned clients per segment, in level order, the unsegmented (NULL) row last.
pub fn distribution(scheme: &Scheme) -> Vec<(Option<String>, i64, Option<String>)> {
    let query = format!(
        "WITH counts AS (SELECT segment, pg_catalog.count(*) AS clients FROM {} \
         WHERE scheme_id = $1 GROUP BY segment) \
         SELECT c.segment, c.clients, \
                pg_catalog.round(c.clients::numeric / pg_catalog.sum(c.clients) OVER (), 4)::text \
         FROM counts c LEFT JOIN segment.levels l ON l.scheme_id = $1 AND l.name = c.segment \
         ORDER BY c.segment IS NULL, l.min_score, c.segment",
        scheme.entity.assignments
    );
    Spi::connect(|c| {
        ok(c.select(query.as_str(), None, &[scheme.scheme_id.into()]))
            .map(|row| {
                (
                    ok(row.get(1)),
                    ok(row.get::<i64>(2)).unwrap_or_default(),
                    ok(row.get(3)),
                )
            })
            .collect()
    })
}

/// Every question with its options, in display order, as the JSON a questionnaire renders.
pub fn questionnaire(scheme: &Scheme) -> pgrx::JsonB {
    let json = value::<pgrx::JsonB>(
        "SELECT pg_catalog.jsonb_build_object(\
            'scheme', s.name, 'description', s.description, 'version', s.version, \
            'questions', COALESCE((\
              SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(\
                'code', q.code, 'prompt', q.prompt, 'position', q.position, 'weight', q.weight, \
                'options', COALESCE((\
                  SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(\
                    'code', o.code, 'label', o.label, 'position', o.position, 'points', o.points) \
                    ORDER BY o.position, o.code) \
                  FROM segment.options o WHERE o.question_id = q.question_id), '[]'::jsonb)) \
                ORDER BY q.position, q.code) \
              FROM segment.questions q WHERE q.scheme_id = s.scheme_id), '[]'::jsonb), \
            'levels', COALESCE((\
              SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(\
                'name', l.name, 'min_score', l.min_score, 'max_score', l.max_score) \
                ORDER BY l.min_score) \
              FROM segment.levels l WHERE l.scheme_id = s.scheme_id), '[]'::jsonb)) \
         FROM segment.schemes s WHERE s.scheme_id = $1",
        &[scheme.scheme_id.into()],
    );
    json.expect("the scheme was looked up in this statement")
}

/// Every stored assignment of a scheme next to every client with answers: (client, stored
/// score, stored segment), so the engine can recompute each one from scratch.
pub struct ClientAnswers {
    pub client: String,
    /// Stored (score, segment, answered count), None when the client has no assignment.
    pub stored: Option<(Option<Decimal>, Option<String>, i32)>,
    pub inputs: Vec<ExplainInput>,
}

pub fn all_clients_with_answers(scheme: &Scheme) -> Result<Vec<ClientAnswers>> {
    let e = &scheme.entity;
    let query = format!(
        "WITH clients AS (\
            SELECT a.client_id FROM {answers} a JOIN segment.questions q \
              ON q.question_id = a.question_id AND q.scheme_id = $1 \
            UNION SELECT client_id FROM {assignments} WHERE scheme_id = $1) \
         SELECT c.client_id::text, s.client_id IS NOT NULL, s.score::text, s.segment, \
                q.position, q.code, q.weight::text, o.code, o.points::text, s.answered \
         FROM clients c \
         LEFT JOIN {assignments} s ON s.scheme_id = $1 AND s.client_id = c.client_id \
         CROSS JOIN segment.questions q \
         LEFT JOIN {answers} a ON a.client_id = c.client_id AND a.question_id = q.question_id \
         LEFT JOIN segment.options o ON o.option_id = a.option_id \
         WHERE q.scheme_id = $1 ORDER BY c.client_id, q.position, q.code",
        answers = e.answers,
        assignments = e.assignments
    );
    Spi::connect(|c| {
        let mut out: Vec<ClientAnswers> = Vec::new();
        for row in ok(c.select(query.as_str(), None, &[scheme.scheme_id.into()])) {
            pgrx::check_for_interrupts!();
            let client: String = ok(row.get(1)).unwrap_or_default();
            if out.last().map(|l| l.client != client).unwrap_or(true) {
                let stored = if ok(row.get::<bool>(2)).unwrap_or(false) {
                    Some((
                        decimal(ok(row.get(3)))?,
                        ok(row.get(4)),
                        ok(row.get::<i32>(10)).unwrap_or_default(),
                    ))
                } else {
                    None
                };
                out.push(ClientAnswers {
                    client: client.clone(),
                    stored,
                    inputs: Vec::new(),
                });
            }
            let option: Option<String> = ok(row.get(8));
            let points = decimal(ok(row.get(9)))?;
            out.last_mut()
                .expect("pushed above")
                .inputs
                .push(ExplainInput {
                    position: ok(row.get::<i32>(5)).unwrap_or_default(),
                    question: ok(row.get::<String>(6)).unwrap_or_default(),
                    weight: decimal(ok(row.get(7)))?.unwrap_or_default(),
                    answer: option.zip(points),
                });
        }
        Ok(out)
    })
}

// ---------------------------------------------------------------------------------------------
// Recomputing assignments

/// SPI wants a mutable pointer; it only reads the trigger data to register transition tables.
fn trigger_data_ptr(td: &pg_sys::TriggerData) -> *mut pg_sys::TriggerData {
    td as *const pg_sys::TriggerData as *mut pg_sys::TriggerData
}

fn register_transition_tables(td: &pg_sys::TriggerData) {
    // SAFETY: `td` is the trigger data of the trigger call running now; registering it makes
    // its transition tables visible, by name, to the current SPI connection.
    ok(Spi::check_status(unsafe {
        pg_sys::SPI_register_trigger_data(trigger_data_ptr(td))
    }));
}

const TRIGGER_NEW: &str = "segment_new_rows";
const TRIGGER_OLD: &str = "segment_old_rows";

/// What an answers statement did, as the delta statement reports it.
pub struct DeltaOutcome {
    /// A question of the new rows that belongs to a scheme over another client table.
    pub foreign_question: Option<i32>,
}

/// Which transition tables the running answers trigger has.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum AnswerChange {
    Insert,
    Update,
    Delete,
}

impl AnswerChange {
    fn has_new(self) -> bool {
        self != AnswerChange::Delete
    }
    fn has_old(self) -> bool {
        self != AnswerChange::Insert
    }
}

/// Old answer rows whose client still exists. A deleted client takes its assignments and
/// history with it (the client table's delete trigger): its cascaded answer deletions have
/// nothing to update.
fn old_rows_of_existing_clients(e: &Entity, columns: &str) -> String {
    format!(
        "SELECT {columns} FROM {TRIGGER_OLD} r \
         WHERE EXISTS (SELECT 1 FROM {client} c WHERE c.{key} = r.client_id)",
        client = e.client_table,
        key = e.key_column
    )
}

/// The tail shared by both delta statements. Given a CTE `deltas (scheme_id, client_id, delta,
/// answered, version)` with one row per scheme and client, `INSERT … ON CONFLICT DO UPDATE`
/// locks the client's assignment row (waiting for a concurrent writer, then adding to the
/// score it committed), creates it on the first answer, looks the segment up for the new score
/// and keeps the previous score and segment in the row, from which one history row per changed
/// client is appended, all in the same statement. `$2` is the cause. The statement's last
/// column counts assignments that lost their last answer, which the caller deletes. A new
/// row's level is joined (levels of a scheme never overlap, so at most one matches): a join
/// hashes the levels once where a subquery would scan them again for every client.
fn apply_deltas_sql(e: &Entity) -> String {
    format!(
        "applied AS (\
            INSERT INTO {assignments} AS s (scheme_id, client_id, score, answered, segment, version, assigned_at) \
            SELECT d.scheme_id, d.client_id, pg_catalog.trim_scale(d.delta), d.answered, \
                   l.name, d.version, pg_catalog.now() \
            FROM deltas d LEFT JOIN segment.levels l ON l.scheme_id = d.scheme_id \
                 AND l.min_score <= d.delta AND d.delta < l.max_score \
            WHERE d.delta <> 0 OR d.answered <> 0 \
            ORDER BY d.scheme_id, d.client_id \
            ON CONFLICT (scheme_id, client_id) DO UPDATE SET \
               score = pg_catalog.trim_scale(s.score + EXCLUDED.score), \
               answered = s.answered + EXCLUDED.answered, \
               segment = (SELECT l.name FROM segment.levels l WHERE l.scheme_id = s.scheme_id \
                            AND l.min_score <= s.score + EXCLUDED.score \
                            AND s.score + EXCLUDED.score < l.max_score), \
               version = EXCLUDED.version, assigned_at = EXCLUDED.assigned_at, \
               previous_score = s.score, previous_segment = s.segment \
            RETURNING s.scheme_id, s.client_id, s.score, s.answered, s.segment, s.version, \
                      s.previous_score, s.previous_segment), \
         {logged}",
        assignments = e.assignments,
        logged = log_applied_sql(e),
    )
}

/// The history CTE over `applied` (rows of assignments as RETURNING gives them): one row per
/// client whose score or segment changed, with the cause in $2.
fn log_applied_sql(e: &Entity) -> String {
    format!(
        "logged AS (\
            INSERT INTO {history} (scheme_id, client_id, old_score, new_score, old_segment, \
                                   new_segment, cause, version) \
            SELECT scheme_id, client_id, previous_score, CASE WHEN answered > 0 THEN score END, \
                   previous_segment, CASE WHEN answered > 0 THEN segment END, $2, version \
            FROM applied \
            WHERE CASE WHEN answered <= 0 THEN previous_score IS NOT NULL \
                       ELSE previous_score IS NULL OR previous_score <> score \
                            OR previous_segment IS DISTINCT FROM segment END \
            ORDER BY scheme_id, client_id)",
        history = e.history,
    )
}

/// The general delta statement, for any number of answer rows: each new row adds weight ×
/// points of its option, each old row takes them away, summed per scheme and client so a bulk
/// statement touches each client once. Weight × points is worked out once per option (not once
/// per row: numeric products are what a million-row load spends most on). Parameters: $1 entity id, $2 cause. Returns the first
/// question of the new rows that belongs to a scheme over another client table (or NULL), and
/// the number of emptied assignments.
fn delta_sql(e: &Entity, change: AnswerChange) -> String {
    let mut changes = Vec::new();
    if change.has_new() {
        changes.push(format!(
            "SELECT client_id, question_id, option_id, 1 AS sign FROM {TRIGGER_NEW}"
        ));
    }
    if change.has_old() {
        changes.push(old_rows_of_existing_clients(
            e,
            "r.client_id, r.question_id, r.option_id, -1 AS sign",
        ));
    }
    // Only new rows can name a question of another client table's scheme (old rows were
    // checked when they were new).
    let foreign = if change.has_new() {
        format!(
            "SELECT pg_catalog.min(r.question_id) FROM {TRIGGER_NEW} r \
             JOIN segment.questions q ON q.question_id = r.question_id \
             JOIN segment.schemes sc ON sc.scheme_id = q.scheme_id WHERE sc.entity_id <> $1"
        )
    } else {
        "SELECT NULL::integer".to_string()
    };
    format!(
        "WITH changes AS ({changes}), \
         weighted AS MATERIALIZED (\
            SELECT o.option_id, q.scheme_id, sc.version, q.weight * o.points AS points, \
                   -(q.weight * o.points) AS negative \
            FROM segment.options o \
            JOIN segment.questions q ON q.question_id = o.question_id \
            JOIN segment.schemes sc ON sc.scheme_id = q.scheme_id AND sc.entity_id = $1), \
         deltas AS (\
            SELECT w.scheme_id, c.client_id, w.version, pg_catalog.sum({points}) AS delta, \
                   pg_catalog.sum(c.sign)::integer AS answered \
            FROM changes c JOIN weighted w ON w.option_id = c.option_id \
            GROUP BY w.scheme_id, c.client_id, w.version), \
         {apply} \
         SELECT ({foreign}), (SELECT pg_catalog.count(*) FROM applied WHERE answered <= 0)",
        changes = changes.join(" UNION ALL "),
        points = if change.has_old() {
            "CASE WHEN c.sign > 0 THEN w.points ELSE w.negative END"
        } else {
            "w.points"
        },
        apply = apply_deltas_sql(e),
    )
}

/// Whether the running transaction reads under one snapshot (REPEATABLE READ, SERIALIZABLE).
pub fn isolation_uses_transaction_snapshot() -> bool {
    // SAFETY: reads a backend global.
    unsafe { pg_sys::XactIsoLevel >= pg_sys::XACT_REPEATABLE_READ as i32 }
}

/// Refuses with 40001 when the transaction's snapshot shows another configuration of the
/// entity's schemes than the latest committed one (which `compiled::get` reads under a
/// snapshot taken now): scoring this write with the old configuration would commit a stale
/// score, and the re-segmentation that the change ran could not see this write.
pub fn check_configuration_current(entity: &Entity) -> Result<()> {
    let latest = compiled::get()?;
    let seen: Vec<(i32, String, i32)> = Spi::connect(|c| {
        ok(c.select(
            "SELECT scheme_id, name, version FROM segment.schemes WHERE entity_id = $1",
            None,
            &[entity.entity_id.into()],
        ))
        .map(|row| {
            (
                ok(row.get::<i32>(1)).unwrap_or_default(),
                ok(row.get::<String>(2)).unwrap_or_default(),
                ok(row.get::<i32>(3)).unwrap_or_default(),
            )
        })
        .collect()
    });
    match latest.first_difference(entity.entity_id, &seen) {
        None => Ok(()),
        Some((scheme, seen, current)) => Err(SegmentError::StaleConfiguration {
            scheme,
            seen,
            current,
        }),
    }
}

/// Statements with up to this many transition rows run a kept plan.
const SMALL_STATEMENT_ROWS: i64 = 16;

/// The delta statement when the engine already knows the change (one answer of one client):
/// $1 scheme id, $2 cause, $3 score delta, $4 answered delta, $5 scheme version; the client
/// comes from the transition row.
fn known_delta_sql(e: &Entity, change: AnswerChange) -> String {
    let rows = if change.has_new() {
        TRIGGER_NEW
    } else {
        TRIGGER_OLD
    };
    format!(
        "WITH deltas AS (\
            SELECT $1::integer AS scheme_id, r.client_id, $5::integer AS version, \
                   $3::numeric AS delta, $4::integer AS answered FROM {rows} r), \
         {apply} \
         SELECT pg_catalog.count(*) FROM applied WHERE answered <= 0",
        apply = apply_deltas_sql(e),
    )
}

/// The one changed answer of a single-row statement: (whether it is a plain change of one
/// client's answer to one question, question id, new option, old option).
fn single_row_sql(e: &Entity, change: AnswerChange) -> String {
    match change {
        AnswerChange::Insert => {
            format!("SELECT true, question_id, option_id, NULL::integer FROM {TRIGGER_NEW}")
        }
        AnswerChange::Delete => format!(
            "SELECT EXISTS (SELECT 1 FROM {client} c WHERE c.{key} = r.client_id), \
                    r.question_id, NULL::integer, r.option_id FROM {TRIGGER_OLD} r",
            client = e.client_table,
            key = e.key_column
        ),
        AnswerChange::Update => format!(
            "SELECT n.client_id = o.client_id AND n.question_id = o.question_id, \
                    n.question_id, n.option_id, o.option_id FROM {TRIGGER_NEW} n, {TRIGGER_OLD} o"
        ),
    }
}

/// Applies one changed answer with the compiled configuration. Returns the number of emptied
/// assignments, or None when the general statement must handle the change.
fn apply_single_answer(
    c: &mut SpiClient<'_>,
    entity: &Entity,
    change: AnswerChange,
) -> Result<Option<i64>> {
    let scope = entity.answers_oid;
    let plan = cached_plan(c, scope, &single_row_sql(entity, change), &[], false);
    let row = ok(c.select(&*plan, None, &[]));
    let row = row.first();
    let plain = ok(row.get::<bool>(1)).unwrap_or(false);
    let question_id = ok(row.get::<i32>(2));
    let (new_option, old_option) = (ok(row.get::<i32>(3)), ok(row.get::<i32>(4)));
    let Some(question_id) = question_id.filter(|_| plain) else {
        return Ok(None);
    };
    let config = compiled::get()?;
    let Some(delta) = config.answer_delta(entity.entity_id, question_id, new_option, old_option)?
    else {
        return Ok(None);
    };
    if delta.score.is_zero() && delta.answered == 0 {
        return Ok(Some(0)); // the same points as before: nothing changes
    }
    let types = [
        pg_sys::INT4OID,
        pg_sys::TEXTOID,
        pg_sys::TEXTOID,
        pg_sys::INT4OID,
        pg_sys::INT4OID,
    ]
    .map(PgOid::from);
    let plan = cached_plan(c, scope, &known_delta_sql(entity, change), &types, true);
    let score = delta.score.to_string();
    let args = [
        delta.scheme_id.into(),
        "answer".into(),
        score.as_str().into(),
        delta.answered.into(),
        delta.version.into(),
    ];
    Ok(Some(
        ok(ok(c.update(&*plan, None, &args)).first().get_one::<i64>()).unwrap_or(0),
    ))
}

/// Applies the running answers trigger's statement to the assignments.
///
/// `rows` is the number of transition rows. One changed answer takes the single-row statement;
/// small statements run a plan kept for the backend; bulk statements are planned afresh with
/// the transition tables' real sizes, so a plan made for one row never runs a million.
pub fn apply_answer_deltas(
    entity: &Entity,
    td: &pg_sys::TriggerData,
    change: AnswerChange,
    rows: i64,
) -> Result<DeltaOutcome> {
    Spi::connect_mut(|c| {
        register_transition_tables(td);
        let single = rows == 1 || (change == AnswerChange::Update && rows == 2);
        let known = if single {
            apply_single_answer(c, entity, change)?
        } else {
            None
        };
        let (foreign_question, emptied) = match known {
            Some(emptied) => (None, emptied),
            None => {
                let sql = delta_sql(entity, change);
                let args = [entity.entity_id.into(), "answer".into()];
                let row = if rows <= SMALL_STATEMENT_ROWS {
                    let types = [PgOid::from(pg_sys::INT4OID), PgOid::from(pg_sys::TEXTOID)];
                    let plan = cached_plan(c, entity.answers_oid, &sql, &types, true);
                    ok(c.update(&*plan, None, &args))
                } else {
                    ok(c.update(sql.as_str(), None, &args))
                };
                let (foreign_question, emptied) = ok(row.first().get_two::<i32, i64>());
                (foreign_question, emptied.unwrap_or(0))
            }
        };
        if emptied > 0 {
            // Clients that lost their last answer are not categorized any more (a partial
            // index holds exactly these rows).
            let sql = format!("DELETE FROM {} WHERE answered <= 0", entity.assignments);
            let plan = cached_plan(c, NO_TRANSITION_TABLES, &sql, &[], true);
            ok(c.update(&*plan, None, &[]));
        }
        Ok(DeltaOutcome { foreign_question })
    })
}

/// Deletes the assignments and history of a client removed from its table (see
/// `triggers::_client_removed`).
pub fn delete_client_rows(entity: &Entity, client: DatumWithOid<'_>) {
    Spi::connect_mut(|c| {
        for table in [&entity.assignments, &entity.history] {
            let sql = format!("DELETE FROM {table} WHERE client_id = $1");
            let types = [PgOid::from(client.oid())];
            let plan = cached_plan(c, NO_TRANSITION_TABLES, &sql, &types, true);
            ok(c.update(&*plan, None, std::slice::from_ref(&client)));
        }
    });
}

/// Moves a client's assignments and history from its old key to its new one (see
/// `triggers::_client_rekeyed`) and records the change: the answers' foreign key moves the
/// answers in a statement whose trigger fires later, and finds nothing left to score
/// (`explained_by_rekeys`), so the client ends with its one assignment and whole ledger.
pub fn rekey_client_rows(entity: &Entity, old: DatumWithOid<'_>, new: DatumWithOid<'_>) {
    let statements = [
        format!(
            "UPDATE {} SET client_id = $2 WHERE client_id = $1",
            entity.assignments
        ),
        format!(
            "UPDATE {} SET client_id = $2 WHERE client_id = $1",
            entity.history
        ),
    ];
    let types = [PgOid::from(old.oid()), PgOid::from(new.oid())];
    Spi::connect_mut(|c| {
        for sql in &statements {
            let plan = cached_plan(c, NO_TRANSITION_TABLES, sql, &types, true);
            ok(c.update(&*plan, None, &[same_value(&old), same_value(&new)]));
        }
    });
    record_rekey(entity, &old, &new);
}

thread_local! {
    /// Key changes the client-table trigger applied in the running statement, by answers
    /// table: (statement, old key, new key), keys as text. The answers statement that the
    /// foreign key's ON UPDATE CASCADE runs fires after them, at the end of the client
    /// statement; when these moves explain it exactly, it has nothing left to score. Entries
    /// of another statement (or of a subtransaction rolled back since) are stale and dropped.
    /// Bound: the keys one statement changes.
    static REKEYED: RefCell<HashMap<u32, Vec<Rekey>>> = RefCell::new(HashMap::new());
}

/// A key change: (statement, old key, new key), keys as text.
type Rekey = (Statement, String, String);

/// The running top-level statement: transaction, subtransaction and statement start.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Statement(u32, u32, i64);

/// A value's text form, by its type's output function.
fn text_of(value: &DatumWithOid<'_>) -> Option<String> {
    let datum = value.datum()?;
    // SAFETY: the output function of the value's own type, called on a value of that type.
    unsafe {
        let mut output = pg_sys::InvalidOid;
        let mut varlena = false;
        pg_sys::getTypeOutputInfo(value.oid(), &mut output, &mut varlena);
        let text = pg_sys::OidOutputFunctionCall(output, datum.sans_lifetime());
        let owned = std::ffi::CStr::from_ptr(text)
            .to_string_lossy()
            .into_owned();
        pg_sys::pfree(text.cast());
        Some(owned)
    }
}

fn current_statement() -> Statement {
    // SAFETY: reads backend state of the running transaction.
    unsafe {
        Statement(
            pg_sys::GetTopTransactionIdIfAny().into_inner(),
            pg_sys::GetCurrentSubTransactionId(),
            pg_sys::GetCurrentStatementStartTimestamp(),
        )
    }
}

/// Records a key change the client-table trigger applied (see `REKEYED`).
pub fn record_rekey(entity: &Entity, old: &DatumWithOid<'_>, new: &DatumWithOid<'_>) {
    let (Some(old), Some(new)) = (text_of(old), text_of(new)) else {
        return;
    };
    let statement = current_statement();
    REKEYED.with(|m| {
        let mut m = m.borrow_mut();
        let moves = m.entry(entity.answers_oid.to_u32()).or_default();
        moves.retain(|(s, _, _)| *s == statement);
        moves.push((statement, old, new));
    });
}

/// Whether the running UPDATE statement on the answers is exactly the foreign key's cascade of
/// key changes the client-table trigger already applied: the old rows, with their clients'
/// keys changed as recorded, are the new rows. The recorded changes are used up either way.
pub fn explained_by_rekeys(entity: &Entity, td: &pg_sys::TriggerData) -> bool {
    let statement = current_statement();
    let moves: Vec<(String, String)> = REKEYED.with(|m| {
        m.borrow_mut()
            .remove(&entity.answers_oid.to_u32())
            .unwrap_or_default()
            .into_iter()
            .filter(|(s, _, _)| *s == statement)
            .map(|(_, old, new)| (old, new))
            .collect()
    });
    if moves.is_empty() {
        return false;
    }
    let (old, new): (Vec<String>, Vec<String>) = moves.into_iter().unzip();
    Spi::connect(|c| {
        register_transition_tables(td);
        let sql = format!(
            "WITH moves AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($1::text[]), \
                                                   pg_catalog.unnest($2::text[])) m(o, n)), \
                  mapped AS (SELECT m.n AS client, r.question_id, r.option_id \
                             FROM {TRIGGER_OLD} r JOIN moves m ON m.o = r.client_id::text) \
             SELECT (SELECT pg_catalog.count(*) FROM {TRIGGER_OLD}) = (SELECT pg_catalog.count(*) FROM mapped) \
                AND NOT EXISTS (SELECT client, question_id, option_id FROM mapped EXCEPT ALL \
                                SELECT client_id::text, question_id, option_id FROM {TRIGGER_NEW}) \
                AND NOT EXISTS (SELECT client_id::text, question_id, option_id FROM {TRIGGER_NEW} \
                                EXCEPT ALL SELECT client, question_id, option_id FROM mapped)"
        );
        let row = ok(c.select(sql.as_str(), Some(1), &[old.into(), new.into()]));
        ok(row.first().get_one::<bool>()).unwrap_or(false)
    })
}

/// Another handle on the same argument value.
fn same_value<'a>(value: &DatumWithOid<'a>) -> DatumWithOid<'a> {
    // SAFETY: the datum and its type OID come from a value of exactly that type.
    unsafe { DatumWithOid::new_from_datum(value.datum(), value.oid()) }
}

/// Whether any answer, assignment or history row names this client key.
pub fn has_client_rows(entity: &Entity, client: &DatumWithOid<'_>) -> bool {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE client_id = $1) \
             OR EXISTS (SELECT 1 FROM {} WHERE client_id = $1) \
             OR EXISTS (SELECT 1 FROM {} WHERE client_id = $1)",
        entity.answers, entity.assignments, entity.history
    );
    Spi::connect(|c| {
        let plan = cached_plan(
            c,
            NO_TRANSITION_TABLES,
            &sql,
            &[PgOid::from(client.oid())],
            false,
        );
        ok(ok(c.select(&*plan, None, &[same_value(client)]))
            .first()
            .get_one::<bool>())
        .unwrap_or(false)
    })
}

/// Empties the assignments and history of an entity whose client table was truncated.
pub fn truncate_client_rows(entity: &Entity) {
    let sql = format!("TRUNCATE {}, {}", entity.assignments, entity.history);
    Spi::connect_mut(|c| {
        ok(c.update(sql.as_str(), None, &[]));
    });
}

/// Re-segments every client of a scheme from scratch: scores from the answers, segments from
/// the levels; one history row per changed client; returns how many changed.
///
/// The answers table is locked against writers first (SHARE ROW EXCLUSIVE, which writers'
/// ROW EXCLUSIVE conflicts with), so no answer can be written under the old configuration
/// and committed after this recompute.
pub fn recompute_scheme(entity: &Entity, scheme_id: i32, cause: &str) -> i64 {
    Spi::connect_mut(|c| {
        lock_answers(c, entity);
        let sql = format!(
            "WITH old AS (SELECT client_id, score, answered, segment FROM {assignments} WHERE scheme_id = $1), \
             calc AS (SELECT a.client_id, \
                             pg_catalog.trim_scale(pg_catalog.sum(q.weight * o.points)) AS score, \
                             pg_catalog.count(*)::integer AS answered \
                      FROM {answers} a \
                      JOIN segment.questions q ON q.question_id = a.question_id \
                      JOIN segment.options o ON o.option_id = a.option_id \
                      WHERE q.scheme_id = $1 GROUP BY a.client_id), \
             fresh AS (SELECT c.client_id, c.score, c.answered, l.name AS segment \
                       FROM calc c LEFT JOIN segment.levels l ON l.scheme_id = $1 \
                        AND l.min_score <= c.score AND c.score < l.max_score), \
             diff AS MATERIALIZED (\
                SELECT COALESCE(f.client_id, o.client_id) AS client_id, \
                       o.score AS old_score, o.segment AS old_segment, \
                       f.score AS new_score, f.segment AS new_segment, f.answered, \
                       f.client_id IS NOT NULL AS present \
                FROM fresh f FULL JOIN old o ON o.client_id = f.client_id \
                WHERE f.client_id IS NULL OR o.client_id IS NULL OR f.answered <> o.answered \
                   OR f.score <> o.score OR f.segment IS DISTINCT FROM o.segment), \
             version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1), \
             upserted AS (\
                INSERT INTO {assignments} AS s (scheme_id, client_id, score, answered, segment, version, \
                                                assigned_at, previous_score, previous_segment) \
                SELECT $1, d.client_id, d.new_score, d.answered, d.new_segment, v.version, pg_catalog.now(), \
                       d.old_score, d.old_segment \
                FROM diff d, version v WHERE d.present \
                ON CONFLICT (scheme_id, client_id) DO UPDATE SET score = EXCLUDED.score, \
                   answered = EXCLUDED.answered, segment = EXCLUDED.segment, \
                   version = EXCLUDED.version, assigned_at = EXCLUDED.assigned_at, \
                   previous_score = s.score, previous_segment = s.segment), \
             removed AS (\
                DELETE FROM {assignments} s USING diff d \
                WHERE NOT d.present AND s.scheme_id = $1 AND s.client_id = d.client_id), \
             logged AS (\
                INSERT INTO {history} (scheme_id, client_id, old_score, new_score, old_segment, \
                                       new_segment, cause, version) \
                SELECT $1, d.client_id, d.old_score, d.new_score, d.old_segment, d.new_segment, $2, v.version \
                FROM diff d, version v \
                WHERE d.old_score IS DISTINCT FROM d.new_score OR d.old_segment IS DISTINCT FROM d.new_segment \
                ORDER BY d.client_id) \
             SELECT pg_catalog.count(*) FROM diff",
            assignments = entity.assignments,
            answers = entity.answers,
            history = entity.history,
        );
        run_count(&sql, scheme_id, cause)
    })
}

/// After a change of levels only, scores stand: each client's segment is looked up again from
/// its stored score, without reading a single answer.
pub fn relevel_scheme(entity: &Entity, scheme_id: i32, cause: &str) -> i64 {
    Spi::connect_mut(|c| {
        lock_answers(c, entity);
        let sql = format!(
            "WITH changed AS MATERIALIZED (\
                SELECT s.client_id, s.score, s.segment AS old_segment, l.name AS new_segment \
                FROM {assignments} s LEFT JOIN segment.levels l ON l.scheme_id = $1 \
                 AND l.min_score <= s.score AND s.score < l.max_score \
                WHERE s.scheme_id = $1 AND s.segment IS DISTINCT FROM l.name), \
             version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1), \
             updated AS (\
                UPDATE {assignments} s SET segment = c.new_segment, version = v.version, \
                       assigned_at = pg_catalog.now(), previous_score = s.score, \
                       previous_segment = s.segment \
                FROM changed c, version v WHERE s.scheme_id = $1 AND s.client_id = c.client_id), \
             logged AS (\
                INSERT INTO {history} (scheme_id, client_id, old_score, new_score, old_segment, \
                                       new_segment, cause, version) \
                SELECT $1, c.client_id, c.score, c.score, c.old_segment, c.new_segment, $2, v.version \
                FROM changed c, version v ORDER BY c.client_id) \
             SELECT pg_catalog.count(*) FROM changed",
            assignments = entity.assignments,
            history = entity.history,
        );
        run_count(&sql, scheme_id, cause)
    })
}

fn lock_answers(c: &mut SpiClient<'_>, entity: &Entity) {
    let sql = format!("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", entity.answers);
    ok(c.update(sql.as_str(), None, &[]));
}

/// Runs a re-segmentation statement ($1 scheme id, $2 cause) under a snapshot taken after the
/// answers table was locked (see `latest`): under REPEATABLE READ the transaction's own
/// snapshot may miss answers committed before the lock was granted.
fn run_count(sql: &str, scheme_id: i32, cause: &str) -> i64 {
    let rows = latest::run(sql, &[scheme_id.into(), cause.into()], true);
    rows.first()
        .and_then(|row| latest::parse::<i64>(row, 0))
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Plans kept for the life of the backend

thread_local! {
    /// Prepared plans by the relation whose transition tables they read, SQL text and parameter
    /// types. Two answers tables have transition tables of the same names but different row
    /// types, so a plan over transition tables belongs to its relation; every other text names
    /// the relations it reads. PostgreSQL re-plans a kept plan by itself when a relation it
    /// uses changes, so nothing here goes stale; a rename only leaves an entry unused. Bound:
    /// `MAX_PLANS`, then all are dropped and re-prepared on use. Shared with `Rc` so no borrow
    /// is held while a plan runs (it may fire triggers that need other plans).
    static PLANS: RefCell<HashMap<(u32, String), Rc<OwnedPreparedStatement>>> =
        RefCell::new(HashMap::new());
}

const MAX_PLANS: usize = 256;

/// The scope of a plan that reads no transition table.
const NO_TRANSITION_TABLES: pg_sys::Oid = pg_sys::InvalidOid;

fn cached_plan(
    c: &SpiClient<'_>,
    transition_tables_of: pg_sys::Oid,
    sql: &str,
    types: &[PgOid],
    mutating: bool,
) -> Rc<OwnedPreparedStatement> {
    let key = (
        transition_tables_of.to_u32(),
        format!("{sql}\u{0}{types:?}\u{0}{mutating}"),
    );
    if let Some(plan) = PLANS.with(|plans| plans.borrow().get(&key).cloned()) {
        return plan;
    }
    let prepared = if mutating {
        c.prepare_mut(sql, types)
    } else {
        c.prepare(sql, types)
    };
    let plan = Rc::new(ok(prepared).keep());
    PLANS.with(|plans| {
        let mut plans = plans.borrow_mut();
        if plans.len() >= MAX_PLANS {
            plans.clear();
        }
        plans.insert(key, plan.clone());
    });
    plan
}

/// Schemes a statement on a configuration table touched, read from its transition tables.
pub fn schemes_touched_by_config(
    table: &str,
    new_rows: bool,
    old_rows: bool,
    td: Option<&pg_sys::TriggerData>,
) -> Vec<i32> {
    Spi::connect(|c| {
        let query = match (td, table) {
            (None, _) => "SELECT scheme_id FROM segment.schemes ORDER BY 1".to_string(),
            (Some(td), _) => {
                register_transition_tables(td);
                let column = if table == "options" {
                    "question_id"
                } else {
                    "scheme_id"
                };
                let mut parts = Vec::new();
                if new_rows {
                    parts.push(format!("SELECT {column} FROM {TRIGGER_NEW}"));
                }
                if old_rows {
                    parts.push(format!("SELECT {column} FROM {TRIGGER_OLD}"));
                }
                if table == "options" {
                    format!(
                        "SELECT DISTINCT q.scheme_id FROM ({}) r \
                         JOIN segment.questions q ON q.question_id = r.question_id ORDER BY 1",
                        parts.join(" UNION ALL ")
                    )
                } else {
                    format!(
                        "SELECT DISTINCT scheme_id FROM ({}) r ORDER BY 1",
                        parts.join(" UNION ALL ")
                    )
                }
            }
        };
        ok(c.select(query.as_str(), None, &[]))
            .filter_map(|row| ok(row.get::<i32>(1)))
            .collect()
    })
}

/// A scheme whose row moved to another client table in the running UPDATE trigger.
pub fn rebound_scheme(td: &pg_sys::TriggerData) -> Option<String> {
    Spi::connect(|c| {
        register_transition_tables(td);
        ok(c.select(
            format!(
                "SELECT o.name FROM {TRIGGER_OLD} o JOIN {TRIGGER_NEW} n ON n.scheme_id = o.scheme_id \
                 WHERE n.entity_id <> o.entity_id LIMIT 1"
            )
            .as_str(),
            Some(1),
            &[],
        ))
        .next()
        .and_then(|row| ok(row.get::<String>(1)))
    })
}

/// A question that the running UPDATE trigger on segment.questions moved to a scheme over
/// another client table: (question code, its scheme before, that scheme's client table).
pub fn question_moved_to_other_table(td: &pg_sys::TriggerData) -> Option<(String, String, String)> {
    Spi::connect(|c| {
        register_transition_tables(td);
        ok(c.select(
            format!(
                "SELECT o.code, so.name, e.client_table::text \
                 FROM {TRIGGER_OLD} o JOIN {TRIGGER_NEW} n ON n.question_id = o.question_id \
                 JOIN segment.schemes so ON so.scheme_id = o.scheme_id \
                 JOIN segment.schemes sn ON sn.scheme_id = n.scheme_id \
                 JOIN segment.entities e ON e.entity_id = so.entity_id \
                 WHERE sn.entity_id <> so.entity_id LIMIT 1"
            )
            .as_str(),
            Some(1),
            &[],
        ))
        .next()
        .map(|row| {
            (
                ok(row.get::<String>(1)).unwrap_or_default(),
                ok(row.get::<String>(2)).unwrap_or_default(),
                ok(row.get::<String>(3)).unwrap_or_default(),
            )
        })
    })
}

/// Whether the running UPDATE trigger on `table` (schemes or questions) changed an id: a row
/// whose id changed cannot be paired with its old self, so its moves could not be checked.
pub fn ids_changed(td: &pg_sys::TriggerData, table: &str) -> bool {
    let id = if table == "schemes" {
        "scheme_id"
    } else {
        "question_id"
    };
    Spi::connect(|c| {
        register_transition_tables(td);
        let changed = ok(c.select(
            format!(
                "SELECT EXISTS (SELECT {id} FROM {TRIGGER_NEW} EXCEPT SELECT {id} FROM {TRIGGER_OLD})"
            )
            .as_str(),
            Some(1),
            &[],
        ))
        .first()
        .get_one::<bool>();
        ok(changed).unwrap_or(false)
    })
}

/// A client table the running INSERT trigger on segment.schemes binds a new scheme to without
/// the inserting role holding REFERENCES and TRIGGER on it (what segment.create_scheme checks).
pub fn scheme_bound_without_rights(td: &pg_sys::TriggerData) -> Option<String> {
    Spi::connect(|c| {
        register_transition_tables(td);
        ok(c.select(
            format!(
                "SELECT e.client_table::text FROM {TRIGGER_NEW} n \
                 JOIN segment.entities e ON e.entity_id = n.entity_id \
                 WHERE NOT (pg_catalog.has_table_privilege(e.client_table, 'REFERENCES') \
                            AND pg_catalog.has_table_privilege(e.client_table, 'TRIGGER')) LIMIT 1"
            )
            .as_str(),
            Some(1),
            &[],
        ))
        .next()
        .and_then(|row| ok(row.get::<String>(1)))
    })
}

/// Bumps the scheme's version (locking its row, which serializes configuration changes of one
/// scheme); None when the scheme no longer exists.
pub fn bump_version(scheme_id: i32) -> Option<i32> {
    value_mut::<i32>(
        "UPDATE segment.schemes SET version = version + 1 WHERE scheme_id = $1 RETURNING version",
        &[scheme_id.into()],
    )
}

/// Whether the answers triggers of an entity are in place and enabled. They are missing while
/// pg_restore loads data (triggers come after data), and then recomputing must wait.
pub fn maintenance_active(entity: &Entity) -> bool {
    exists(
        "SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = $1::regclass \
         AND t.tgname = 'segment_answers_insert' AND t.tgenabled <> 'D'",
        &[entity.answers.as_str().into()],
    )
}

pub fn scheme_ids_of_entity(entity_id: i32) -> Vec<i32> {
    Spi::connect(|c| {
        ok(c.select(
            "SELECT scheme_id FROM segment.schemes WHERE entity_id = $1 ORDER BY scheme_id",
            None,
            &[entity_id.into()],
        ))
        .filter_map(|row| ok(row.get::<i32>(1)))
        .collect()
    })
}

/// Gives the client_id columns of an entity's answers, assignments and history the full type
/// of the client key column, as the owner of those tables (see `api::ddl::_retype_client_ids`).
pub fn retype_client_ids(entity_id: i32, key_column: &str) {
    let tables: Vec<(pg_sys::Oid, String, pg_sys::Oid, String)> = Spi::connect(|c| {
        ok(c.select(
            "SELECT t.oid, t.oid::pg_catalog.regclass::text, t.relowner, \
                    pg_catalog.format_type(a.atttypid, a.atttypmod) \
             FROM segment.entities e \
             JOIN pg_catalog.pg_class t ON t.oid IN (e.answers_table, e.assignments_table, e.history_table) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = e.client_table AND a.attname = $2 \
                                           AND NOT a.attisdropped \
             WHERE e.entity_id = $1 ORDER BY t.oid",
            None,
            &[entity_id.into(), key_column.into()],
        ))
        .map(|row| {
            (
                ok(row.get::<pg_sys::Oid>(1)).unwrap_or_default(),
                ok(row.get::<String>(2)).unwrap_or_default(),
                ok(row.get::<pg_sys::Oid>(3)).unwrap_or_default(),
                ok(row.get::<String>(4)).unwrap_or_default(),
            )
        })
        .collect()
    });
    // The rewrite runs the key type's checks, code of the owner's: whatever that code attaches
    // to any of the three tables meanwhile (a trigger, a rule, a check, a default, an index, a
    // policy, a parent) would later run as whoever writes answers. Nothing may change but the
    // client_id columns, from before the first rewrite to after the last.
    let attached = || -> Vec<Option<String>> {
        tables
            .iter()
            .map(|(oid, _, _, _)| attached_code(*oid))
            .collect()
    };
    let before = attached();
    for (_, name, owner, key_type) in &tables {
        let sql = format!("ALTER TABLE {name} ALTER COLUMN client_id TYPE {key_type}");
        crate::security::own_ddl_as(*owner, crate::security::OwnDdl::Retype, || {
            Spi::connect_mut(|c| {
                ok(c.update(sql.as_str(), None, &[]));
            })
        });
    }
    if attached() != before {
        let table = tables.first().map(|t| t.1.clone()).unwrap_or_default();
        SegmentError::CodeAttached { table }.raise();
    }
}

/// Gives an entity's relations to the client table's current owner (after `ALTER TABLE …
/// OWNER TO`), so that maintenance keeps running with the rights of whoever owns the clients.
/// ALTER … OWNER runs no one's code; it runs as the extension's owner, as pg_segment's own DDL.
pub fn follow_client_owner(entity_id: i32) {
    let tables: Vec<(String, String)> = Spi::connect(|c| {
        ok(c.select(
            "SELECT t.oid::pg_catalog.regclass::text, o.relowner::pg_catalog.regrole::text \
             FROM segment.entities e \
             JOIN pg_catalog.pg_class o ON o.oid = e.client_table \
             JOIN pg_catalog.pg_class t ON t.oid IN (e.answers_table, e.assignments_table, e.history_table) \
             WHERE e.entity_id = $1 AND t.relowner <> o.relowner",
            None,
            &[entity_id.into()],
        ))
        .map(|row| {
            (
                ok(row.get::<String>(1)).unwrap_or_default(),
                ok(row.get::<String>(2)).unwrap_or_default(),
            )
        })
        .collect()
    });
    let Some((_, owner)) = tables.first().cloned() else {
        return;
    };
    crate::security::own_ddl_as(
        crate::security::extension_owner(),
        crate::security::OwnDdl::Bind,
        || {
            Spi::connect_mut(|c| {
                for (table, owner) in &tables {
                    ok(c.update(
                        format!("ALTER TABLE {table} OWNER TO {owner}").as_str(),
                        None,
                        &[],
                    ));
                }
                ok(c.update(
                    "SELECT segment._grant_maintainer($1::pg_catalog.regrole)",
                    None,
                    &[owner.as_str().into()],
                ));
            })
        },
    );
}

/// Everything that could run code when a relation is written or read, but its client_id
/// column's type: triggers (not the foreign keys' own, which a rewrite re-creates under new
/// names), rules, constraints, indexes, defaults, policies, parents and children, column types.
fn attached_code(relation: pg_sys::Oid) -> Option<String> {
    value::<String>(
        "SELECT pg_catalog.concat_ws(' | ', \
           (SELECT pg_catalog.string_agg(pg_catalog.pg_get_triggerdef(t.oid), ';' ORDER BY t.tgname) \
              FROM pg_catalog.pg_trigger t WHERE t.tgrelid = $1 AND NOT t.tgisinternal), \
           (SELECT pg_catalog.string_agg(r.rulename::text, ';' ORDER BY r.rulename) \
              FROM pg_catalog.pg_rewrite r WHERE r.ev_class = $1), \
           (SELECT pg_catalog.string_agg(pg_catalog.pg_get_constraintdef(c.oid), ';' ORDER BY c.conname) \
              FROM pg_catalog.pg_constraint c WHERE c.conrelid = $1), \
           (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(i.indexrelid), ';' \
                                         ORDER BY pg_catalog.pg_get_indexdef(i.indexrelid)) \
              FROM pg_catalog.pg_index i WHERE i.indrelid = $1), \
           (SELECT pg_catalog.string_agg(pg_catalog.pg_get_expr(d.adbin, d.adrelid), ';' ORDER BY d.adnum) \
              FROM pg_catalog.pg_attrdef d WHERE d.adrelid = $1), \
           (SELECT pg_catalog.string_agg(p.polname::text, ';' ORDER BY p.polname) \
              FROM pg_catalog.pg_policy p WHERE p.polrelid = $1), \
           (SELECT pg_catalog.string_agg(h.inhrelid::text || '<' || h.inhparent::text, ';' ORDER BY h.inhrelid) \
              FROM pg_catalog.pg_inherits h WHERE $1 IN (h.inhrelid, h.inhparent)), \
           (SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ';' ORDER BY a.attnum) \
              FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 \
               AND NOT a.attisdropped AND a.attname <> 'client_id'))",
        &[relation.into()],
    )
}
/// Why a table cannot be a client table, if it cannot: a partition (bind the partitioned table,
/// whose triggers its partitions share), or one of pg_segment's own tables.
pub fn unbindable_reason(table: pg_sys::Oid) -> Option<String> {
    value::<String>(
        "SELECT CASE WHEN c.relispartition THEN 'it is a partition of ' || \
                    (SELECT i.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits i \
                     WHERE i.inhrelid = c.oid) \
                WHEN c.relnamespace = 'segment'::pg_catalog.regnamespace \
                    THEN 'it is one of pg_segment''s own tables' END \
         FROM pg_catalog.pg_class c WHERE c.oid = $1",
        &[table.into()],
    )
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

/// The scheme a question belongs to and that scheme's client table.
pub fn scheme_of_question(question_id: i32) -> (String, String) {
    Spi::connect(|c| {
        ok(c.select(
            "SELECT s.name, e.client_table::text FROM segment.questions q \
             JOIN segment.schemes s ON s.scheme_id = q.scheme_id \
             JOIN segment.entities e ON e.entity_id = s.entity_id WHERE q.question_id = $1",
            Some(1),
            &[question_id.into()],
        ))
        .next()
        .map(|row| {
            (
                ok(row.get::<String>(1)).unwrap_or_default(),
                ok(row.get::<String>(2)).unwrap_or_default(),
            )
        })
        .unwrap_or_default()
    })
}

/// Removes the assignments and history of the schemes the running DELETE trigger on
/// segment.schemes deleted (or, for TRUNCATE, of every scheme that no longer exists).
///
/// Each entity's answers table is locked against writers first, as for a re-segmentation: a
/// writer that scored an answer of a deleted scheme before the delete but commits after it
/// would otherwise leave its assignment and history row behind. The deletes then run under a
/// snapshot taken after the lock.
pub fn purge_deleted_schemes(td: Option<&pg_sys::TriggerData>) {
    Spi::connect_mut(|c| {
        let (deleted, of_deleted) = match td {
            Some(td) => {
                register_transition_tables(td);
                (
                    format!("SELECT scheme_id FROM {TRIGGER_OLD}"),
                    format!("e.entity_id IN (SELECT entity_id FROM {TRIGGER_OLD})"),
                )
            }
            None => (
                "SELECT NULL::integer WHERE false".to_string(),
                "true".to_string(),
            ),
        };
        // (an entity whose tables are gone is being dropped with its client table)
        let entities: Vec<Entity> = ok(c.select(
            format!(
                "SELECT {ENTITY_COLUMNS} FROM segment.entities e WHERE {of_deleted} AND EXISTS \
                 (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.assignments_table) \
                 AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.history_table) \
                 ORDER BY e.entity_id"
            )
            .as_str(),
            None,
            &[],
        ))
        .map(|row| entity_from_row(&row, 1))
        .collect();
        for e in entities {
            let _owner = crate::security::ActingAs::role(e.owner);
            lock_answers(c, &e);
            for table in [&e.assignments, &e.history] {
                let sql = match td {
                    Some(_) => format!("DELETE FROM {table} WHERE scheme_id IN ({deleted})"),
                    None => format!(
                        "DELETE FROM {table} t WHERE NOT EXISTS \
                         (SELECT 1 FROM segment.schemes s WHERE s.scheme_id = t.scheme_id)"
                    ),
                };
                latest::run(&sql, &[], true);
            }
        }
    })
}
