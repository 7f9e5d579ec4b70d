//! Per-client reads and answer writes for the SQL API.

use super::answer_deltas::isolation_uses_transaction_snapshot;
use super::catalog::entity_by_id;
use super::compiled;
use super::plans::{kept_plan, NO_TRANSITION_TABLES};
use super::query::{self, for_entity};
use super::spi::{decimal, ok, same_value, value};
use crate::client_key::ClientKey;
use crate::engine::{AnswerTarget, ExplainInput};
use crate::entity::{Entity, Scheme};
use crate::error::Result;
use crate::security::{extension_owner, ActingAs};
use pgrx::datum::DatumWithOid;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::spi::{Spi, SpiHeapTupleData};
use pgrx::PgOid;
use rust_decimal::Decimal;

/// The client key's text form, as the key type prints it.
pub fn client_text(entity: &Entity, client: ClientKey) -> String {
    let sql = for_entity("SELECT CAST(CAST($1 AS {{key_type}}) AS text)", entity);
    value::<String>(&sql, &[client.param()]).unwrap_or_default()
}

/// Runs a statement of the SQL API over an entity's relations with a plan kept for the
/// backend; $1 is the client, as the caller passed it. Returns the rows it affected or found.
fn run_kept(entity: &Entity, template: &str, client: ClientKey, args: &[DatumWithOid<'_>]) -> u64 {
    let sql = for_entity(template, entity);
    let mut types = vec![PgOid::from(client.type_oid())];
    types.extend(args.iter().map(|a| PgOid::from(a.oid())));
    let mut all = vec![client.param()];
    all.extend(args.iter().map(same_value));
    Spi::connect_mut(|c| {
        let plan = kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, true);
        ok(c.update(&*plan, None, &all)).len() as u64
    })
}

/// Whether the client exists, asked as the owner of the entity's relations: a writer needs
/// no right to read the client table (the answers' foreign key checks it as the owner too).
pub fn client_exists(entity: &Entity, client: ClientKey) -> bool {
    let _owner = ActingAs::role(entity.owner);
    let found = run_kept(
        entity,
        "SELECT 1 FROM {{client_table}} WHERE {{key_column}} = CAST($1 AS {{key_type}})",
        client,
        &[],
    );
    found > 0
}

/// Records (or replaces) a client's answer; the answers trigger scores it.
pub fn upsert_answer(entity: &Entity, client: ClientKey, question_id: i32, option_id: i32) {
    run_kept(
        entity,
        "INSERT INTO {{answers}} AS a (client_id, question_id, option_id) \
         VALUES (CAST($1 AS {{key_type}}), $2, $3) \
         ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id, \
         answered_at = pg_catalog.now() WHERE a.option_id IS DISTINCT FROM EXCLUDED.option_id",
        client,
        &[question_id.into(), option_id.into()],
    );
}

/// Removes a client's answer; returns whether there was one.
pub fn delete_answer(entity: &Entity, client: ClientKey, question_id: i32) -> bool {
    let deleted = run_kept(
        entity,
        "DELETE FROM {{answers}} WHERE client_id = CAST($1 AS {{key_type}}) AND question_id = $2",
        client,
        &[question_id.into()],
    );
    deleted > 0
}

/// The entity and ids an answer's codes name, from the compiled configuration: no query once it
/// is compiled. None under REPEATABLE READ and SERIALIZABLE (the configuration may be newer
/// than the transaction's snapshot) or when a code is unknown; the caller then looks the codes
/// up with SQL, which says which one is unknown.
pub fn answer_target(
    scheme: &str,
    question: &str,
    option: Option<&str>,
) -> Result<Option<(Entity, AnswerTarget)>> {
    if isolation_uses_transaction_snapshot() {
        return Ok(None);
    }
    // The configuration and the entity are pg_segment's, whoever asks.
    let _owner = ActingAs::role(extension_owner());
    let config = compiled::get()?;
    let Some(target) = config.answer_target(scheme, question, option) else {
        return Ok(None);
    };
    Ok(entity_by_id(target.entity_id).map(|entity| (entity, target)))
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

/// Every question of the scheme in display order, with the client's answer if any.
pub fn explain_inputs(scheme: &Scheme, client: ClientKey) -> Result<Vec<ExplainInput>> {
    let sql = for_entity(query::EXPLAIN_INPUTS, &scheme.entity);
    rows_of_client(scheme, client, &sql, |row| {
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
