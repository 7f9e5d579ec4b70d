//! Plans kept for the life of the backend.

use super::spi::ok;
use crate::cache::BackendCache;
use pgrx::pg_sys;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::PgOid;
use std::rc::Rc;

/// How many plans a backend keeps before it drops them all and prepares again on use.
const MAX_PLANS: usize = 256;

thread_local! {
    /// Prepared plans by the relation whose transition tables they read, SQL text and parameter
    /// types. Two answers tables have transition tables of the same names but different row
    /// types, so a plan over transition tables belongs to its relation; every other text names
    /// the relations it reads. Invalidation: none needed; PostgreSQL re-plans a kept plan by
    /// itself when a relation it uses changes, and a renamed relation only leaves an entry
    /// unused. Bound: `MAX_PLANS`. Shared with `Rc` so no borrow is held while a plan runs (it
    /// may fire triggers that need other plans).
    static PLANS: BackendCache<(u32, String), Rc<OwnedPreparedStatement>> =
        BackendCache::new(MAX_PLANS);
}

/// The scope of a plan that reads no transition table.
pub const NO_TRANSITION_TABLES: pg_sys::Oid = pg_sys::InvalidOid;

/// The kept plan of `sql`, prepared on first use. `transition_tables_of` is the relation whose
/// transition tables the text reads, or `NO_TRANSITION_TABLES`.
pub fn kept_plan(
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
    if let Some(plan) = PLANS.with(|plans| plans.get(&key)) {
        return plan;
    }
    let prepared = if mutating {
        c.prepare_mut(sql, types)
    } else {
        c.prepare(sql, types)
    };
    let plan = Rc::new(ok(prepared).keep());
    PLANS.with(|plans| plans.insert(key, plan.clone()));
    plan
}
