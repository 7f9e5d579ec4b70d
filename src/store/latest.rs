//! Statements run under a snapshot taken now, not under the transaction's.
//!
//! Under REPEATABLE READ and SERIALIZABLE every ordinary statement sees the database as it was
//! when the transaction took its snapshot. Two jobs must see it as it is: compiling the
//! configuration that the next answers are scored with (a configuration read from an old
//! snapshot and then cached would score with superseded points in later transactions too),
//! and re-segmenting a scheme after a configuration change (answers that writers committed
//! after the snapshot but before the answers table was locked must count). Both follow
//! PostgreSQL's own foreign-key triggers, which check against an up-to-date snapshot for the
//! same reason. Under READ COMMITTED a snapshot taken now is what every statement gets anyway.

use crate::error::Result;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use std::ffi::{CStr, CString};

/// Rows as text, one `Option<String>` per column (None for NULL).
pub type TextRows = Vec<Vec<Option<String>>>;

/// Runs `sql` (parameters `args`) under a snapshot taken now and returns every row it returns
/// as text. `writes` says whether the statement may modify data. Must be called inside an SPI
/// connection.
pub fn run(sql: &str, args: &[DatumWithOid<'_>], writes: bool) -> TextRows {
    // SAFETY: an SPI connection is open (the caller's contract); text_rows reads the result
    // right after the statement.
    unsafe { execute(sql, args, writes, || text_rows()) }
}

/// `run` with the statement's plan kept for the backend (planned once, generically): for
/// statements a trigger runs for a few clients on every write.
pub fn run_kept(sql: &str, args: &[DatumWithOid<'_>], writes: bool) -> TextRows {
    // SAFETY: as `run`.
    unsafe { execute_with(sql, args, writes, true, false, || text_rows()) }
}

/// Runs a read-only `sql` that returns one row of text arrays under a snapshot taken now, and
/// returns those arrays (None for a NULL array; no row: empty). Must be called inside an SPI
/// connection.
pub fn first_row_text_arrays(
    sql: &str,
    args: &[DatumWithOid<'_>],
) -> Vec<Option<Vec<Option<String>>>> {
    // SAFETY: as `run`; the arrays are copied out of the result table before it is freed.
    unsafe { execute(sql, args, false, || first_row_arrays()) }
}

/// Prepares and runs `sql` under a snapshot taken now, then lets `read` take the result.
///
/// # Safety
/// Must be called inside an SPI connection; `read` reads the SPI result of this statement.
unsafe fn execute<R>(
    sql: &str,
    args: &[DatumWithOid<'_>],
    writes: bool,
    read: impl FnOnce() -> R,
) -> R {
    execute_with(sql, args, writes, false, false, read)
}

/// A plan kept for the backend (`SPI_keepplan`), freed when dropped from the cache.
struct KeptPlan(pg_sys::SPIPlanPtr);

impl Drop for KeptPlan {
    fn drop(&mut self) {
        // SAFETY: a plan this module kept; nothing else holds it.
        unsafe { pg_sys::SPI_freeplan(self.0) };
    }
}

thread_local! {
    /// Plans of statements run under a snapshot taken now, by SQL text and argument types.
    /// Invalidation: none needed; PostgreSQL re-plans a kept plan when a relation it uses
    /// changes, and a statement whose text changed (a parameter's new expression) is another
    /// key. Bound: `MAX_KEPT_PLANS`.
    static KEPT: crate::cache::BackendCache<String, std::rc::Rc<KeptPlan>> =
        crate::cache::BackendCache::new(MAX_KEPT_PLANS);
}

const MAX_KEPT_PLANS: usize = 256;

/// `first_row_text_arrays` with the statement's plan kept for the backend: for statements a
/// trigger runs on every write.
pub fn first_row_text_arrays_kept(
    sql: &str,
    args: &[DatumWithOid<'_>],
) -> Vec<Option<Vec<Option<String>>>> {
    // SAFETY: as `first_row_text_arrays`.
    unsafe { execute_with(sql, args, false, true, false, || first_row_arrays()) }
}

/// Runs `sql`, which writes, under a snapshot taken now, its plan kept for the backend when
/// `keep` (for statements a trigger runs on every write), and returns the first two columns of
/// its first row (None for NULL or no row). Under REPEATABLE READ and SERIALIZABLE a row it
/// updates must be as the transaction's snapshot shows it: one changed since fails with 40001,
/// as it would in an UPDATE of the transaction's own (PostgreSQL's foreign-key triggers check
/// so too). Must be called inside an SPI connection.
pub fn write_returning_pair<A: pgrx::FromDatum, B: pgrx::FromDatum>(
    sql: &str,
    args: &[DatumWithOid<'_>],
    keep: bool,
) -> (Option<A>, Option<B>) {
    // SAFETY: as `run`; the values are copied out of the result table before it is freed.
    unsafe {
        execute_with(sql, args, true, keep, true, || {
            let table = pg_sys::SPI_tuptable;
            if table.is_null() || pg_sys::SPI_processed == 0 {
                return (None, None);
            }
            let desc = (*table).tupdesc;
            let tuple = *(*table).vals;
            let mut is_null = false;
            let first = pg_sys::SPI_getbinval(tuple, desc, 1, &mut is_null);
            let first = A::from_datum(first, is_null);
            let second = pg_sys::SPI_getbinval(tuple, desc, 2, &mut is_null);
            (first, B::from_datum(second, is_null))
        })
    }
}

/// The first row of the last SPI statement, as text arrays.
///
/// # Safety
/// Must be called inside an SPI connection, right after a statement ran.
unsafe fn first_row_arrays() -> Vec<Option<Vec<Option<String>>>> {
    let table = pg_sys::SPI_tuptable;
    if table.is_null() || pg_sys::SPI_processed == 0 {
        return Vec::new();
    }
    let desc = (*table).tupdesc;
    let tuple = *(*table).vals;
    (1..=(*desc).natts)
        .map(|column| {
            let mut is_null = false;
            let datum = pg_sys::SPI_getbinval(tuple, desc, column, &mut is_null);
            <Vec<Option<String>> as pgrx::FromDatum>::from_datum(datum, is_null)
        })
        .collect()
}

/// Prepares (or, `keep`: finds the kept plan of) `sql` and runs it under a snapshot taken now,
/// then lets `read` take the result. `crosscheck`: under REPEATABLE READ and SERIALIZABLE, rows
/// the statement updates or deletes must be visible to the transaction's snapshot as they are
/// (40001 otherwise).
///
/// # Safety
/// Must be called inside an SPI connection; `read` reads the SPI result of this statement.
unsafe fn execute_with<R>(
    sql: &str,
    args: &[DatumWithOid<'_>],
    writes: bool,
    keep: bool,
    crosscheck: bool,
    read: impl FnOnce() -> R,
) -> R {
    let mut types: Vec<pg_sys::Oid> = args.iter().map(|a| a.oid()).collect();
    let mut values: Vec<pg_sys::Datum> = Vec::with_capacity(args.len());
    let mut nulls: Vec<std::ffi::c_char> = Vec::with_capacity(args.len());
    for arg in args {
        match arg.datum() {
            Some(d) => {
                values.push(d.sans_lifetime());
                nulls.push(b' ' as std::ffi::c_char);
            }
            None => {
                values.push(pg_sys::Datum::from(0usize));
                nulls.push(b'n' as std::ffi::c_char);
            }
        }
    }
    let key = format!("{sql}\u{0}{types:?}");
    let kept = if keep {
        KEPT.with(|plans| plans.get(&key))
    } else {
        None
    };
    // SAFETY: an SPI connection is open (the caller's contract); a plan prepared here is kept
    // or freed here; the argument arrays outlive the execution; the result table belongs to
    // the connection and is read before the next SPI call. An ERROR raised inside becomes a
    // Rust panic at pgrx's guarded boundary and aborts the transaction, which frees
    // everything but kept plans, which live in their own memory context.
    unsafe {
        let plan = match &kept {
            Some(plan) => plan.0,
            None => {
                let text = CString::new(sql).expect("pg_segment's SQL has no NUL byte");
                // A kept plan serves a trigger's few clients on every write: it is planned
                // once, generically. Left to choose, the plan cache found a custom plan for
                // each write's key array cheaper by estimate, and planned the statement anew
                // every time (a third of a single-customer update's CPU time).
                let options = if keep {
                    pg_sys::CURSOR_OPT_GENERIC_PLAN as i32
                } else {
                    0
                };
                let plan = pg_sys::SPI_prepare_cursor(
                    text.as_ptr(),
                    types.len() as i32,
                    types.as_mut_ptr(),
                    options,
                );
                if plan.is_null() {
                    let code = std::ptr::addr_of!(pg_sys::SPI_result).read();
                    panic!("pg_segment internal SPI error: prepare failed ({code})");
                }
                plan
            }
        };
        let crosscheck =
            if crosscheck && pg_sys::XactIsoLevel >= pg_sys::XACT_REPEATABLE_READ as i32 {
                pg_sys::GetTransactionSnapshot()
            } else {
                std::ptr::null_mut()
            };
        let status = pg_sys::SPI_execute_snapshot(
            plan,
            values.as_mut_ptr(),
            nulls.as_ptr(),
            pg_sys::GetLatestSnapshot(),
            crosscheck,
            !writes,
            true,
            0,
        );
        if status < 0 {
            panic!("pg_segment internal SPI error: execute failed ({status})");
        }
        let rows = read();
        if kept.is_none() {
            if keep && pg_sys::SPI_keepplan(plan) == 0 {
                KEPT.with(|plans| plans.insert(key, std::rc::Rc::new(KeptPlan(plan))));
            } else {
                pg_sys::SPI_freeplan(plan);
            }
        }
        rows
    }
}

/// The rows of the last SPI statement, as text.
///
/// # Safety
/// Must be called inside an SPI connection, right after a statement ran.
unsafe fn text_rows() -> TextRows {
    let table = pg_sys::SPI_tuptable;
    if table.is_null() {
        return Vec::new();
    }
    let desc = (*table).tupdesc;
    let columns = (*desc).natts;
    (0..pg_sys::SPI_processed as usize)
        .map(|i| {
            let tuple = *(*table).vals.add(i);
            (1..=columns)
                .map(|column| {
                    let text = pg_sys::SPI_getvalue(tuple, desc, column);
                    (!text.is_null()).then(|| {
                        let value = CStr::from_ptr(text).to_string_lossy().into_owned();
                        pg_sys::pfree(text.cast());
                        value
                    })
                })
                .collect()
        })
        .collect()
}

/// A column of a text row parsed as `T`; a value pg_segment's own SQL returns, so a parse
/// failure is a bug, not a user error.
pub fn parse<T: std::str::FromStr>(row: &[Option<String>], column: usize) -> Option<T> {
    row.get(column)?.as_deref().map(|text| {
        text.parse::<T>()
            .unwrap_or_else(|_| panic!("pg_segment internal error: unexpected value {text}"))
    })
}

/// The first column of every row parsed as `T` (as `parse`), NULLs left out.
pub fn first_column<T: std::str::FromStr>(rows: &[Vec<Option<String>>]) -> Vec<T> {
    rows.iter().filter_map(|row| parse::<T>(row, 0)).collect()
}

/// A decimal column, exactly as stored.
pub fn decimal(row: &[Option<String>], column: usize) -> Result<Option<rust_decimal::Decimal>> {
    super::spi::decimal(row.get(column).cloned().flatten())
}
