//! Per-client reads and answer writes for the SQL API.

use super::query::{self, for_entity};
use super::spi::{decimal, exists, ok, value};
use crate::client_key::ClientKey;
use crate::engine::ExplainInput;
use crate::entity::{Entity, Scheme};
use crate::error::Result;
use crate::security::ActingAs;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::spi::{Spi, SpiHeapTupleData};
use rust_decimal::Decimal;

/// The client key's text form, as the key type prints it.
pub fn client_text(entity: &Entity, client: ClientKey) -> String {
    let sql = for_entity("SELECT CAST(CAST($1 AS {{key_type}}) AS text)", entity);
    value::<String>(&sql, &[client.param()]).unwrap_or_default()
}

/// Whether the client exists, asked as the owner of the entity's relations: a writer needs
/// no right to read the client table (the answers' foreign key checks it as the owner too).
pub fn client_exists(entity: &Entity, client: ClientKey) -> bool {
    let _owner = ActingAs::role(entity.owner);
    let sql = for_entity(
        "SELECT 1 FROM {{client_table}} WHERE {{key_column}} = CAST($1 AS {{key_type}})",
        entity,
    );
    exists(&sql, &[client.param()])
}

/// Records (or replaces) a client's answer; the answers trigger scores it.
pub fn upsert_answer(entity: &Entity, client: ClientKey, question_id: i32, option_id: i32) {
    let sql = for_entity(
        "INSERT INTO {{answers}} AS a (client_id, question_id, option_id) \
         VALUES (CAST($1 AS {{key_type}}), $2, $3) \
         ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id, \
         answered_at = pg_catalog.now() WHERE a.option_id IS DISTINCT FROM EXCLUDED.option_id",
        entity,
    );
    Spi::connect_mut(|c| {
        ok(c.update(
            sql.as_str(),
            None,
            &[client.param(), question_id.into(), option_id.into()],
        ));
    })
}

/// Removes a client's answer; returns whether there was one.
pub fn delete_answer(entity: &Entity, client: ClientKey, question_id: i32) -> bool {
    let sql = for_entity(
        "DELETE FROM {{answers}} WHERE client_id = CAST($1 AS {{key_type}}) AND question_id = $2",
        entity,
    );
    Spi::connect_mut(|c| {
        !ok(c.update(sql.as_str(), None, &[client.param(), question_id.into()])).is_empty()
    })
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
