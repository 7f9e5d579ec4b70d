//! SPI helpers every store module uses: checked results, single values, the pinned search path
//! and the running trigger's transition tables.

use crate::error::{Result, SegmentError};
use crate::firing::FiringTrigger;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::spi::{Spi, SpiResult};
use rust_decimal::Decimal;

/// SPI misuse (a wrong column type or ordinal) is a bug in the store, not a user error.
pub fn ok<T>(result: SpiResult<T>) -> T {
    result.unwrap_or_else(|e| panic!("pg_segment internal SPI error: {e}"))
}

/// The first column of the first row, or None when the query returns no row (or NULL).
pub fn value<T: pgrx::FromDatum + pgrx::IntoDatum>(
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
pub fn value_mut<T: pgrx::FromDatum + pgrx::IntoDatum>(
    query: &str,
    args: &[DatumWithOid<'_>],
) -> Option<T> {
    Spi::connect_mut(|c| {
        ok(c.update(query, None, args))
            .next()
            .and_then(|row| ok(row.get::<T>(1)))
    })
}

/// Whether `query` returns a row.
pub fn exists(query: &str, args: &[DatumWithOid<'_>]) -> bool {
    value::<bool>(&format!("SELECT EXISTS ({query})"), args).unwrap_or(false)
}

/// The first column of every row, as text.
pub fn all_names(query: &str, args: &[DatumWithOid<'_>]) -> Vec<String> {
    Spi::connect(|c| {
        ok(c.select(query, None, args))
            .map(|row| ok(row.get::<String>(1)).unwrap_or_default())
            .collect()
    })
}

/// A numeric read as text, exactly.
pub fn decimal(text: Option<String>) -> Result<Option<Decimal>> {
    text.map(|t| crate::engine::model::parse_decimal(&t))
        .transpose()
        .map_err(SegmentError::from)
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

/// Makes the running trigger's transition tables (`segment_new_rows`, `segment_old_rows`)
/// visible by name to the current SPI connection.
pub fn register_transition_tables(trigger: &FiringTrigger<'_>) {
    // SAFETY: the trigger data of the call running now (FiringTrigger's invariant); SPI only
    // reads it.
    ok(Spi::check_status(unsafe {
        pg_sys::SPI_register_trigger_data(trigger.as_ptr())
    }));
}

/// Another handle on the same argument value.
pub fn same_value<'a>(value: &DatumWithOid<'a>) -> DatumWithOid<'a> {
    // SAFETY: the datum and its type OID come from a value of exactly that type.
    unsafe { DatumWithOid::new_from_datum(value.datum(), value.oid()) }
}

/// A relation OID as a `regclass` argument.
pub fn regclass_arg(relid: pg_sys::Oid) -> DatumWithOid<'static> {
    // SAFETY: an OID is what a regclass datum holds.
    unsafe { DatumWithOid::new(relid, pg_sys::REGCLASSOID) }
}
