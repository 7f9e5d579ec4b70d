//! Binding client tables: the checks on a table before its first scheme, the creation of its
//! answers, assignments and history tables, and following the table when its key column's
//! type or its owner changes.

use super::catalog::entity_from_row;
use super::query::{self, render};
use super::spi::{ok, value};
use crate::entity::Entity;
use crate::error::SegmentError;
use crate::security::{extension_owner, own_ddl_as, OwnDdl};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::spi::{Spi, SpiClient};

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
                ok(row.get::<pg_sys::Oid>(2)).unwrap_or_default(),
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

/// The collation of column `column` of `table` if it is nondeterministic (a case-insensitive
/// ICU collation, say): keys under it are equal that differ in their bytes.
pub fn nondeterministic_collation(table: pg_sys::Oid, column: &str) -> Option<String> {
    value::<String>(
        "SELECT co.oid::pg_catalog.regcollation::text FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation \
         WHERE a.attrelid = $1 AND a.attname = $2 AND NOT co.collisdeterministic",
        &[table.into(), column.into()],
    )
}

/// A readable, unique prefix for a client table's relations: schema_table, cut to leave room
/// for the suffixes, numbered when taken.
fn relations_prefix(c: &SpiClient<'_>, table: pg_sys::Oid) -> String {
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
    let taken = |p: &str| -> bool {
        !ok(c.select(
            "SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = 'segment'::regnamespace \
             AND relname IN ($1 || '_answers', $1 || '_assignments', $1 || '_history', \
                             $1 || '_picks')",
            Some(1),
            &[p.into()],
        ))
        .is_empty()
    };
    let mut chosen = prefix.clone();
    let mut n = 2;
    while taken(&chosen) {
        chosen = format!("{prefix}_{n}");
        n += 1;
    }
    chosen
}

/// Creates the answers, assignments and history tables of a client table and registers them.
pub fn create_entity(table: pg_sys::Oid, key_column: &str, key_type: pg_sys::Oid) -> Entity {
    Spi::connect_mut(|c| {
        let prefix = relations_prefix(c, table);
        // SAFETY: OIDs passed as the reg* types that hold them.
        let args = unsafe {
            [
                DatumWithOid::new(table, pg_sys::REGCLASSOID),
                key_column.into(),
                DatumWithOid::new(key_type, pg_sys::REGTYPEOID),
                prefix.as_str().into(),
            ]
        };
        ok(c.update(
            "SELECT segment._create_entity_relations($1, $2, $3, $4)",
            None,
            &args,
        ));
        let sql = render(query::REGISTER_ENTITY, &[]);
        let rows = ok(c.update(sql.as_str(), None, &args));
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

/// Gives the client_id columns of an entity's answers, assignments and history the full type
/// of the client key column, as the owner of those tables (see `api::ddl::_retype_client_ids`).
pub fn retype_client_ids(entity_id: i32, key_column: &str) {
    let tables: Vec<(pg_sys::Oid, String, pg_sys::Oid, String)> = Spi::connect(|c| {
        ok(c.select(
            query::ENTITY_RELATIONS_TO_RETYPE,
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
            .map(|(oid, _, _, _)| value::<String>(query::ATTACHED_CODE, &[(*oid).into()]))
            .collect()
    };
    let before = attached();
    for (_, name, owner, key_type) in &tables {
        let sql = render(
            "ALTER TABLE {{table}} ALTER COLUMN client_id TYPE {{key_type}}",
            &[
                ("table", query::Part::Relation(name)),
                ("key_type", query::Part::Type(key_type)),
            ],
        );
        own_ddl_as(*owner, OwnDdl::Retype, || {
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
             JOIN pg_catalog.pg_class t ON t.oid IN (e.answers_table, e.picks_table, e.assignments_table, e.history_table) \
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
    own_ddl_as(extension_owner(), OwnDdl::Bind, || {
        Spi::connect_mut(|c| {
            for (table, owner) in &tables {
                let sql = render(
                    "ALTER TABLE {{table}} OWNER TO {{owner}}",
                    &[
                        ("table", query::Part::Relation(table)),
                        ("owner", query::Part::Role(owner)),
                    ],
                );
                ok(c.update(sql.as_str(), None, &[]));
            }
            ok(c.update(
                "SELECT segment._grant_maintainer($1::pg_catalog.regrole)",
                None,
                &[owner.as_str().into()],
            ));
        })
    });
}

/// Gives the history table of every client table with a notifying scheme the notify trigger,
/// and takes it from the others, as pg_segment's own DDL of the extension's owner (the guard
/// on pg_segment's tables lets it through, whoever changed segment.notifications). Two
/// transactions that change the notifications of one client table decide in turn: each locks
/// segment.notifications against the others' deciding, then reads it under a snapshot taken
/// after the lock (under REPEATABLE READ too), so the second sees what the first committed.
pub fn sync_notify_triggers() {
    let notifications = crate::security::segment_relation(c"notifications");
    // SAFETY: a table lock of pg_segment's own table, held to transaction end; it conflicts
    // with itself only (and with stronger locks), not with reads or row writes.
    unsafe {
        pg_sys::LockRelationOid(
            notifications,
            pg_sys::ShareRowExclusiveLock as pg_sys::LOCKMODE,
        )
    };
    own_ddl_as(extension_owner(), OwnDdl::Bind, || {
        super::spi::with_pinned_search_path(|| {
            Spi::connect_mut(|c| {
                let rows = super::latest::run(query::NOTIFY_TRIGGERS, &[], true);
                for row in rows {
                    let (Some(history), Some(wanted), Some(present)) =
                        (row[0].as_deref(), row[1].as_deref(), row[2].as_deref())
                    else {
                        continue;
                    };
                    let template = match (wanted, present) {
                        ("true", "false") => {
                            "CREATE TRIGGER segment_history_notify AFTER INSERT ON {{history}} \
                             REFERENCING NEW TABLE AS segment_new_rows \
                             FOR EACH STATEMENT EXECUTE FUNCTION segment._history_notify()"
                        }
                        ("false", "true") => "DROP TRIGGER segment_history_notify ON {{history}}",
                        _ => continue,
                    };
                    let sql = render(template, &[("history", query::Part::Relation(history))]);
                    ok(c.update(sql.as_str(), None, &[]));
                }
            })
        })
    });
}
