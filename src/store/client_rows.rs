//! A client's rows follow the client: when a client is deleted, its table truncated, or its key
//! changed, its assignments and history go or move with it (`triggers::clients`).

use super::plans::{kept_plan, NO_TRANSITION_TABLES};
use super::query::{self, for_entity};
use super::spi::{ok, register_transition_tables, same_value};
use crate::entity::Entity;
use crate::firing::FiringTrigger;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::spi::Spi;
use pgrx::PgOid;
use std::cell::RefCell;
use std::collections::HashMap;

/// Deletes the assignments and history of a client removed from its table.
pub fn delete_client_rows(entity: &Entity, client: DatumWithOid<'_>) {
    Spi::connect_mut(|c| {
        for table in [&entity.assignments, &entity.history] {
            let sql = query::render(
                "DELETE FROM {{table}} WHERE client_id = $1",
                &[("table", query::Part::Relation(table))],
            );
            let types = [PgOid::from(client.oid())];
            let plan = kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, true);
            ok(c.update(&*plan, None, std::slice::from_ref(&client)));
        }
    });
}

/// Empties the assignments and history of an entity whose client table was truncated.
pub fn truncate_client_rows(entity: &Entity) {
    let sql = for_entity("TRUNCATE {{assignments}}, {{history}}", entity);
    Spi::connect_mut(|c| {
        ok(c.update(sql.as_str(), None, &[]));
    });
}

/// Whether any answer, assignment or history row names this client key.
pub fn has_client_rows(entity: &Entity, client: &DatumWithOid<'_>) -> bool {
    let sql = for_entity(
        "SELECT EXISTS (SELECT 1 FROM {{answers}} WHERE client_id = $1) \
             OR EXISTS (SELECT 1 FROM {{assignments}} WHERE client_id = $1) \
             OR EXISTS (SELECT 1 FROM {{history}} WHERE client_id = $1)",
        entity,
    );
    Spi::connect(|c| {
        let types = [PgOid::from(client.oid())];
        let plan = kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, false);
        ok(ok(c.select(&*plan, None, &[same_value(client)]))
            .first()
            .get_one::<bool>())
        .unwrap_or(false)
    })
}

/// Moves a client's assignments and history from its old key to its new one and records the
/// change: the answers' foreign key moves the answers in a statement whose trigger fires later
/// and finds nothing left to score (`explained_by_rekeys`), so the client ends with its one
/// assignment and whole ledger.
pub fn rekey_client_rows(entity: &Entity, old: DatumWithOid<'_>, new: DatumWithOid<'_>) {
    let types = [PgOid::from(old.oid()), PgOid::from(new.oid())];
    Spi::connect_mut(|c| {
        for table in [&entity.assignments, &entity.history] {
            let sql = query::render(
                "UPDATE {{table}} SET client_id = $2 WHERE client_id = $1",
                &[("table", query::Part::Relation(table))],
            );
            let plan = kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, true);
            ok(c.update(&*plan, None, &[same_value(&old), same_value(&new)]));
        }
    });
    record_rekey(entity, &old, &new);
}

/// The running top-level statement: transaction, subtransaction and statement start.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Statement {
    transaction: u32,
    subtransaction: u32,
    started: i64,
}

/// A key change the client-table trigger applied, keys as text.
struct Rekey {
    statement: Statement,
    old: String,
    new: String,
}

thread_local! {
    /// Key changes the client-table trigger applied in the running statement, by answers
    /// table. The answers statement that the foreign key's ON UPDATE CASCADE runs fires after
    /// them, at the end of the client statement; when these moves explain it exactly, it has
    /// nothing left to score. Invalidation: entries of another statement (or of a
    /// subtransaction rolled back since) are stale and dropped at the next record, and the
    /// answers trigger uses an entity's entries up. Bound: the keys one statement changes.
    static REKEYED: RefCell<HashMap<u32, Vec<Rekey>>> = RefCell::new(HashMap::new());
}

/// A value's text form, by its type's output function.
pub fn text_of(value: &DatumWithOid<'_>) -> Option<String> {
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
        Statement {
            transaction: pg_sys::GetTopTransactionIdIfAny().into_inner(),
            subtransaction: pg_sys::GetCurrentSubTransactionId(),
            started: pg_sys::GetCurrentStatementStartTimestamp(),
        }
    }
}

/// Records a key change the client-table trigger applied (see `REKEYED`).
fn record_rekey(entity: &Entity, old: &DatumWithOid<'_>, new: &DatumWithOid<'_>) {
    let (Some(old), Some(new)) = (text_of(old), text_of(new)) else {
        return;
    };
    let statement = current_statement();
    REKEYED.with(|m| {
        let mut m = m.borrow_mut();
        // the cascade reaches the answers and the picks, each with its own statement
        for table in [entity.answers_oid, entity.picks_oid] {
            if table == pg_sys::InvalidOid {
                continue;
            }
            let moves = m.entry(table.to_u32()).or_default();
            moves.retain(|r| r.statement == statement);
            moves.push(Rekey {
                statement,
                old: old.clone(),
                new: new.clone(),
            });
        }
    });
}

/// Whether the running UPDATE statement on the answers (or the picks, `relid`) is exactly the
/// foreign key's cascade of key changes the client-table trigger already applied. The recorded
/// changes are used up either way.
pub fn explained_by_rekeys(
    entity: &Entity,
    trigger: &FiringTrigger<'_>,
    relid: pg_sys::Oid,
) -> bool {
    let statement = current_statement();
    let (old, new): (Vec<String>, Vec<String>) = REKEYED.with(|m| {
        m.borrow_mut()
            .remove(&relid.to_u32())
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.statement == statement)
            .map(|r| (r.old, r.new))
            .unzip()
    });
    if old.is_empty() {
        return false;
    }
    Spi::connect(|c| {
        register_transition_tables(trigger);
        let mut parts = query::entity_parts(entity).to_vec();
        parts.push(("value", value_column(entity, relid)));
        let sql = query::render(query::EXPLAINED_BY_REKEYS, &parts);
        let row = ok(c.select(sql.as_str(), Some(1), &[old.into(), new.into()]));
        ok(row.first().get_one::<bool>()).unwrap_or(false)
    })
}

/// The `value` of an answers table's rows (a number question's answer) as the statements over
/// its transition tables select it: the column itself, NULL for the picks table, which has none.
pub fn value_column(entity: &Entity, relid: pg_sys::Oid) -> query::Part<'static> {
    if entity.is_picks(relid) {
        query::Part::Sql("NULL::numeric")
    } else {
        query::Part::Sql("value")
    }
}
