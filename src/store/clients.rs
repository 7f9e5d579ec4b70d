//! Per-client reads and answer writes for the SQL API.

use super::answer_deltas::isolation_uses_transaction_snapshot;
use super::catalog::entity_by_id;
use super::compiled;
use super::plans::{kept_plan, NO_TRANSITION_TABLES};
use super::query::{self, for_entity};
use super::spi::{decimal, ok, same_value, value};
use crate::client_key::ClientKey;
use crate::engine::{AnswerTarget, CompiledConfig, ExplainInput, InputKind};
use crate::entity::{Entity, Scheme};
use crate::error::Result;
use crate::security::{as_role, extension_owner, has_privilege, may_read_configuration, ActingAs};
use pgrx::datum::AnyNumeric;
use pgrx::datum::DatumWithOid;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::pg_sys;
use pgrx::spi::{Spi, SpiHeapTupleData};
use pgrx::PgOid;
use rust_decimal::Decimal;
use std::rc::Rc;

/// The client key's text form, as the key type prints it.
pub fn client_text(entity: &Entity, client: ClientKey) -> String {
    let sql = for_entity("SELECT CAST(CAST($1 AS {{key_type}}) AS text)", entity);
    value::<String>(&sql, &[client.param()]).unwrap_or_default()
}

/// Runs a statement of the SQL API over an entity's relations with a plan kept for the
/// backend; $1 is the client, as the caller passed it. Returns the rows it affected or found.
/// A read (`writes` false) runs read-only: it takes no transaction id, so the read functions
/// keep working on a hot standby.
fn run_kept(
    entity: &Entity,
    template: &str,
    writes: bool,
    client: ClientKey,
    args: &[DatumWithOid<'_>],
) -> u64 {
    let sql = for_entity(template, entity);
    let mut types = vec![PgOid::from(client.type_oid())];
    types.extend(args.iter().map(|a| PgOid::from(a.oid())));
    let mut all = vec![client.param()];
    all.extend(args.iter().map(same_value));
    if writes {
        Spi::connect_mut(|c| {
            let plan = kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, true);
            ok(c.update(&*plan, None, &all)).len() as u64
        })
    } else {
        Spi::connect(|c| {
            let plan = kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, false);
            ok(c.select(&*plan, Some(1), &all)).len() as u64
        })
    }
}

/// Whether the client exists, asked as the owner of the entity's relations: a writer needs
/// no right to read the client table (the answers' foreign key checks it as the owner too).
pub fn client_exists(entity: &Entity, client: ClientKey) -> bool {
    let _owner = ActingAs::role(entity.owner);
    let found = run_kept(
        entity,
        "SELECT 1 FROM {{client_table}} WHERE {{key_column}} = CAST($1 AS {{key_type}})",
        false,
        client,
        &[],
    );
    found > 0
}

/// Records (or replaces) a client's answer; the answers trigger scores it.
pub fn upsert_answer(entity: &Entity, client: ClientKey, question_id: i32, option_id: i32) -> bool {
    let written = run_kept(
        entity,
        "INSERT INTO {{answers}} AS a (client_id, question_id, option_id) \
         VALUES (CAST($1 AS {{key_type}}), $2, $3) \
         ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id, \
         answered_at = pg_catalog.now() WHERE a.option_id IS DISTINCT FROM EXCLUDED.option_id",
        true,
        client,
        &[question_id.into(), option_id.into()],
    );
    written > 0
}

/// Records (or replaces) a client's answer to a number question; the answers trigger scores it.
pub fn upsert_value_answer(
    entity: &Entity,
    client: ClientKey,
    question_id: i32,
    value: AnyNumeric,
) -> bool {
    let written = run_kept(
        entity,
        "INSERT INTO {{answers}} AS a (client_id, question_id, value) \
         VALUES (CAST($1 AS {{key_type}}), $2, $3) \
         ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = NULL, \
         value = EXCLUDED.value, answered_at = pg_catalog.now() \
         WHERE a.value IS DISTINCT FROM EXCLUDED.value",
        true,
        client,
        &[question_id.into(), value.into()],
    );
    written > 0
}

/// Makes `option_ids` the options a client picked for a multiple-choice question (an empty
/// list removes them all), in one statement: the new picks are inserted, then the picks not
/// wanted any more deleted. The statement locks the pick rows it deletes before its triggers
/// lock the client's assignment, the order of every statement on the picks (a bulk DELETE
/// included); the insert's trigger fires first, so a client whose picks are all replaced keeps
/// its assignment throughout. Replacements of one client's picks take turns: the client's row
/// is locked first (FOR NO KEY UPDATE, as the owner: a writer need not update the client
/// table), and the statement then reads the picks afresh, so the second replacement leaves
/// exactly its set. Returns whether anything changed. The caller has checked the entity has a
/// picks table.
pub fn replace_picks(
    entity: &Entity,
    client: ClientKey,
    question_id: i32,
    option_ids: Vec<i32>,
) -> bool {
    {
        let _owner = ActingAs::role(entity.owner);
        super::parameters::lock_clients(entity, &[client_text(entity, client)]);
    }
    // (the DELETE reads `added`, so the INSERT has run, and queued its trigger, before it)
    let changed = run_kept(
        entity,
        "WITH added AS ( \
             INSERT INTO {{picks}} (client_id, question_id, option_id) \
             SELECT CAST($1 AS {{key_type}}), $2, o FROM pg_catalog.unnest($3) o \
             ON CONFLICT DO NOTHING RETURNING 1), \
         removed AS ( \
             DELETE FROM {{picks}} p WHERE p.client_id = CAST($1 AS {{key_type}}) \
             AND p.question_id = $2 AND p.option_id <> ALL ($3) \
             AND (SELECT pg_catalog.count(*) FROM added) >= 0 RETURNING 1) \
         SELECT 1 FROM added UNION ALL SELECT 1 FROM removed",
        true,
        client,
        &[question_id.into(), option_ids.into()],
    );
    changed > 0
}

/// Locks the entity's answers table as a write of answers (or picks) locks it, to transaction
/// end: a re-segmentation, which locks the answers against writers, then waits for this
/// transaction or is waited for. Taken before codes are resolved (a configuration change holds
/// its lock until it commits, so codes resolved afterwards are those the write is scored with),
/// before parameters are applied, and by every statement on the picks. Acquiring it processes
/// pending invalidations.
pub fn lock_answers_for_writing(entity: &Entity) {
    // SAFETY: a table lock as an INSERT into the answers takes, on a table that exists (its
    // entity was read in this statement or is cached, and a dropped table's invalidation drops
    // the entry); it needs no privilege.
    unsafe {
        pg_sys::LockRelationOid(
            entity.answers_oid,
            pg_sys::RowExclusiveLock as pg_sys::LOCKMODE,
        )
    };
}

/// Removes every option a client picked for a multiple-choice question; returns whether there
/// was one.
pub fn delete_picks(entity: &Entity, client: ClientKey, question_id: i32) -> bool {
    let deleted = run_kept(
        entity,
        "DELETE FROM {{picks}} WHERE client_id = CAST($1 AS {{key_type}}) AND question_id = $2",
        true,
        client,
        &[question_id.into()],
    );
    deleted > 0
}

/// Removes a client's answer; returns whether there was one.
pub fn delete_answer(entity: &Entity, client: ClientKey, question_id: i32) -> bool {
    let deleted = run_kept(
        entity,
        "DELETE FROM {{answers}} WHERE client_id = CAST($1 AS {{key_type}}) AND question_id = $2",
        true,
        client,
        &[question_id.into()],
    );
    deleted > 0
}

/// The entity and ids an answer's codes name, and the compiled configuration they come from:
/// no query once it is compiled. None, and the caller looks the codes up with SQL (which says which one is
/// unknown, or which right is missing), when a code is unknown, under REPEATABLE READ and
/// SERIALIZABLE (the configuration may be newer than the transaction's snapshot), or when the
/// caller lacks a right the SQL path would need: SELECT on the configuration tables, and on the
/// answers table the rights of the write (`ACL_INSERT | ACL_UPDATE`, or `ACL_DELETE`).
///
/// The codes are resolved again after the answers table is locked as the write will lock it:
/// a configuration change holds a conflicting lock until its invalidations are sent, so the
/// codes are those of the configuration the write is scored with.
pub fn answer_target(
    scheme: &str,
    question: &str,
    option: Option<&str>,
    write_rights: u32,
) -> Result<Option<(Entity, AnswerTarget, Rc<CompiledConfig>)>> {
    if isolation_uses_transaction_snapshot() || !may_read_configuration() {
        return Ok(None);
    }
    // the configuration and the entity are pg_segment's, whoever asks
    let owner = extension_owner();
    let resolve = || -> Result<Option<(AnswerTarget, Rc<CompiledConfig>)>> {
        let config = as_role(owner, compiled::get)?;
        Ok(config
            .answer_target(scheme, question, option)
            .map(|target| (target, config)))
    };
    let Some((first, _)) = resolve()? else {
        return Ok(None);
    };
    let Some(entity) = as_role(owner, || entity_by_id(first.entity_id)) else {
        return Ok(None);
    };
    if !has_privilege(entity.answers_oid, write_rights) {
        return Ok(None);
    }
    lock_answers_for_writing(&entity);
    Ok(resolve()?
        .filter(|(target, _)| target.entity_id == first.entity_id)
        .map(|(target, config)| (entity, target, config)))
}

/// Runs a query whose $1 is the scheme id and $2 the client, mapping each row.
fn rows_of_client<T>(
    scheme: &Scheme,
    client: ClientKey,
    sql: &str,
    map: impl FnMut(SpiHeapTupleData<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    Spi::connect(|c| {
        ok(c.select(sql, None, &[scheme.scheme_id.into(), client.param()]))
            .map(map)
            .collect()
    })
}

/// Every input of the scheme in display order, with the client's value: questions with its
/// answer if any, parameters evaluated now (as their definers).
pub fn explain_inputs(scheme: &Scheme, client: ClientKey) -> Result<Vec<ExplainInput>> {
    let key = client_text(&scheme.entity, client);
    let variants = super::variants::VariantParts::listed(
        &scheme.entity,
        scheme.scheme_id,
        "(SELECT cv.variant_id FROM client_variants cv)",
        Some(&key),
        6,
    );
    let values = super::parameters::evaluate(&scheme.entity, scheme.scheme_id, Some(&[key]));
    let mut parts = query::entity_parts(&scheme.entity).to_vec();
    variants.push(&mut parts);
    let sql = query::render(query::EXPLAIN_INPUTS, &parts);
    let [clients, ids, vals] = values.arguments();
    Spi::connect(|c| {
        let mut args = vec![scheme.scheme_id.into(), client.param(), clients, ids, vals];
        args.extend(variants.arguments());
        ok(c.select(sql.as_str(), None, &args))
            .map(|row| {
                Ok(ExplainInput {
                    position: ok(row.get::<i32>(1)).unwrap_or_default(),
                    item: ok(row.get::<String>(2)).unwrap_or_default(),
                    kind: input_kind(ok(row.get::<String>(3)).as_deref()),
                    weight: decimal(ok(row.get::<String>(4)))?.unwrap_or_default(),
                    value: ok(row.get::<String>(5)),
                    points: decimal(ok(row.get::<String>(6)))?,
                    required: ok(row.get::<bool>(7)).unwrap_or(false),
                    hidden: ok(row.get::<bool>(8)).unwrap_or(false),
                    answer_rows: 0, // (explanations do not count them)
                    group: ok(row.get::<String>(9)),
                    values: ok(row.get::<Vec<String>>(10)).unwrap_or_default(),
                    applicable: ok(row.get::<bool>(11)).unwrap_or(true),
                })
            })
            .collect()
    })
}

/// The kind an input query names.
pub(super) fn input_kind(kind: Option<&str>) -> InputKind {
    match kind {
        Some("parameter") => InputKind::Parameter,
        _ => InputKind::Question,
    }
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

/// A client's history in one scheme, oldest first.
/// The client's score and segment as of `at`, from its last ledger row written by then: None
/// when it had none (not categorized yet); a row without a score: no longer categorized.
pub fn state_at(
    scheme: &Scheme,
    client: ClientKey,
    at: TimestampWithTimeZone,
) -> Result<Option<(Option<Decimal>, Option<String>)>> {
    let sql = for_entity(query::STATE_AT, &scheme.entity);
    Spi::connect(|c| {
        let args = [scheme.scheme_id.into(), client.param(), at.into()];
        let row = ok(c.select(sql.as_str(), Some(1), &args)).next();
        match row {
            None => Ok(None),
            Some(row) => Ok(Some((decimal(ok(row.get(1)))?, ok(row.get(2))))),
        }
    })
}

pub fn history(scheme: &Scheme, client: ClientKey) -> Result<Vec<HistoryRow>> {
    let sql = for_entity(
        "SELECT changed_at, old_score::text, new_score::text, old_segment, new_segment, cause, \
                version \
         FROM {{history}} WHERE scheme_id = $1 AND client_id = CAST($2 AS {{key_type}}) \
         ORDER BY history_id",
        &scheme.entity,
    );
    rows_of_client(scheme, client, &sql, |row| {
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
