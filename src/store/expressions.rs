//! Parameter expressions: checked once, when a parameter is defined, so that evaluating one
//! later can splice it into SQL.
//!
//! The expression is parsed and analysed as `SELECT (expression) FROM <client table>` (or, over
//! a related table, `SELECT (expression) FROM <source> GROUP BY <client column>`) under the
//! pinned search path, and must come out as exactly that: one value computed from the client's
//! own row (an aggregate of its related rows), with no subquery, window function,
//! set-returning function or volatile function, and no whole-row or system-column reference. What is stored is not the
//! caller's text but PostgreSQL's re-print of the analysed expression (`deparse_expression`),
//! with every function, operator and type outside pg_catalog schema-qualified: a comment, a
//! second statement or a closing parenthesis in the caller's text cannot survive into it, and
//! a later search_path cannot change what it calls.

use crate::error::{Result, SegmentError};
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::{PgList, PgTryBuilder};
use std::ffi::{CStr, CString};

/// A checked expression: how it is stored and evaluated.
pub struct CheckedExpression {
    /// PostgreSQL's re-print of the analysed expression
    pub text: String,
    /// the type it returns
    pub value_type: pg_sys::Oid,
    /// the client-table columns it reads, by name, in column order
    pub columns: Vec<String>,
}

fn unsupported(expression: &str, over: Over<'_>, problem: &'static str) -> SegmentError {
    SegmentError::ParameterExpression {
        expression: expression.to_string(),
        problem,
        unsupported: true,
        related: over.is_related(),
    }
}

fn not_one_expression(expression: &str, over: Over<'_>) -> SegmentError {
    SegmentError::ParameterExpression {
        expression: expression.to_string(),
        problem: "is not one expression over the table's columns",
        unsupported: false,
        related: over.is_related(),
    }
}

/// What a parameter's expression is computed over.
#[derive(Clone, Copy)]
pub enum Over<'a> {
    /// the client's own row: `SELECT (expression) FROM table`
    ClientRow,
    /// the rows of a related table that reference the client:
    /// `SELECT (expression) FROM table GROUP BY client_column`, an aggregate
    Related { client_column: &'a str },
}

impl Over<'_> {
    fn is_related(self) -> bool {
        matches!(self, Over::Related { .. })
    }
}

/// Checks `expression` over the columns of `table` (printed as `table_name`, quoted already).
/// Syntax errors, unknown columns and functions are PostgreSQL's own errors (42601, 42703,
/// 42883), raised again naming the expression; the shapes pg_segment refuses are
/// `SegmentError::ParameterExpression`. Must run with the pinned search path.
pub fn check_expression(
    table: pg_sys::Oid,
    table_name: &str,
    over: Over<'_>,
    expression: &str,
) -> Result<CheckedExpression> {
    // PostgreSQL's own errors (syntax, unknown column or function) point into the statement
    // built around the expression: they are raised again naming the expression, with their
    // SQLSTATE. The transaction is aborted by that error anyway.
    PgTryBuilder::new(|| analyse(table, table_name, over, expression))
        .catch_others(|caught| match caught {
            CaughtError::PostgresError(report) => Err(SegmentError::ExpressionError {
                expression: expression.to_string(),
                code: report.sql_error_code(),
                message: report.message().to_string(),
                related: over.is_related(),
            }),
            other => other.rethrow(),
        })
        .execute()
}

fn analyse(
    table: pg_sys::Oid,
    table_name: &str,
    over: Over<'_>,
    expression: &str,
) -> Result<CheckedExpression> {
    let sql = match over {
        Over::ClientRow => format!("SELECT ({expression}) FROM {table_name}"),
        Over::Related { client_column } => format!(
            "SELECT ({expression}) FROM {table_name} GROUP BY {}",
            pgrx::spi::quote_identifier(client_column)
        ),
    };
    let c_sql = CString::new(sql).map_err(|_| not_one_expression(expression, over))?;
    // SAFETY: parser and analyser entry points on a NUL-terminated string; their results are
    // palloc'd in the current memory context, which outlives this call. Errors they raise
    // unwind through pgrx's guard as PostgreSQL ERRORs.
    unsafe {
        let query = analysed(&c_sql).ok_or_else(|| not_one_expression(expression, over))?;
        let q = &*query;
        if q.hasSubLinks {
            return Err(unsupported(expression, over, "contains a subquery"));
        }
        match over {
            Over::ClientRow if q.hasAggs => {
                return Err(unsupported(expression, over, "contains an aggregate"));
            }
            Over::Related { .. } if !q.hasAggs => {
                return Err(unsupported(expression, over,
                    "does not aggregate the related rows (e.g. sum(amount), count(*), max(ordered_at))",
                ));
            }
            _ => {}
        }
        if q.hasWindowFuncs {
            return Err(unsupported(expression, over, "contains a window function"));
        }
        if q.hasTargetSRFs {
            return Err(unsupported(
                expression,
                over,
                "contains a set-returning function",
            ));
        }
        let grouped = matches!(over, Over::Related { .. });
        let target =
            single_target(q, table, grouped).ok_or_else(|| not_one_expression(expression, over))?;
        let expr = (*target).expr as *mut pg_sys::Node;
        if grouped && reads_outside_aggregates(expr) {
            return Err(unsupported(
                expression,
                over,
                "reads a column outside an aggregate (one value per client is needed)",
            ));
        }
        if pg_sys::contain_volatile_functions(expr) {
            return Err(unsupported(expression, over, "calls a volatile function"));
        }
        let columns = columns_read(expr, table).ok_or_else(|| {
            unsupported(
                expression,
                over,
                "refers to the whole row or to a system column",
            )
        })?;
        let value_type = match pg_sys::exprType(expr) {
            pg_sys::UNKNOWNOID => pg_sys::TEXTOID,
            t => pg_sys::getBaseType(t),
        };
        let name = pg_sys::get_rel_name(table);
        let context = pg_sys::deparse_context_for(name, table);
        // implicit casts printed too: a function created later for the argument's own type
        // cannot take the call over when the stored text is parsed again
        let printed = pg_sys::deparse_expression(expr, context, false, true);
        let text = CStr::from_ptr(printed).to_string_lossy().into_owned();
        Ok(CheckedExpression {
            text,
            value_type,
            columns,
        })
    }
}

/// `sql` parsed and analysed, when it is exactly one statement.
///
/// # Safety
/// Parser and analyser entry points: their results are palloc'd in the current memory context;
/// errors they raise (syntax, unknown names) unwind as PostgreSQL ERRORs.
unsafe fn analysed(sql: &CStr) -> Option<*mut pg_sys::Query> {
    let raw = PgList::<pg_sys::RawStmt>::from_pg(pg_sys::raw_parser(
        sql.as_ptr(),
        pg_sys::RawParseMode::RAW_PARSE_DEFAULT,
    ));
    if raw.len() != 1 {
        return None;
    }
    Some(pg_sys::parse_analyze_fixedparams(
        raw.get_ptr(0)?,
        sql.as_ptr(),
        std::ptr::null_mut(),
        0,
        std::ptr::null_mut(),
    ))
}

/// The one target entry of `SELECT expr FROM table` (`grouped`: with pg_segment's one GROUP
/// BY column) and nothing else; None for any other shape (another relation, a WHERE, another
/// GROUP BY, HAVING, ORDER BY, LIMIT, CTE, set operation, several columns).
///
/// # Safety
/// `q` is an analysed query.
unsafe fn single_target(
    q: &pg_sys::Query,
    table: pg_sys::Oid,
    grouped: bool,
) -> Option<*mut pg_sys::TargetEntry> {
    let rtable = PgList::<pg_sys::RangeTblEntry>::from_pg(q.rtable);
    let targets = PgList::<pg_sys::TargetEntry>::from_pg(q.targetList);
    let jointree = q.jointree.as_ref()?;
    let from = PgList::<pg_sys::Node>::from_pg(jointree.fromlist);
    let rte = rtable.get_ptr(0)?.as_ref()?;
    // (PostgreSQL 18 adds a range table entry for the grouping step of a grouped query)
    let entries = rtable.iter_ptr().filter(|e| !is_group_entry(*e)).count();
    let plain = q.commandType == pg_sys::CmdType::CMD_SELECT
        && q.utilityStmt.is_null()
        && entries == 1
        && rte.rtekind == pg_sys::RTEKind::RTE_RELATION
        && rte.relid == table
        && from.len() == 1
        && jointree.quals.is_null()
        && q.cteList.is_null()
        && PgList::<pg_sys::Node>::from_pg(q.groupClause).len() == usize::from(grouped)
        && q.groupingSets.is_null()
        && q.havingQual.is_null()
        && q.windowClause.is_null()
        && q.distinctClause.is_null()
        && q.sortClause.is_null()
        && q.limitCount.is_null()
        && q.limitOffset.is_null()
        && q.setOperations.is_null()
        && q.rowMarks.is_null()
        // (GROUP BY adds the grouping column as a junk entry)
        && targets.iter_ptr().filter(|t| !(**t).resjunk).count() == 1;
    if !plain {
        return None;
    }
    let target = targets.iter_ptr().find(|t| !(**t).resjunk);
    target
}

/// The user columns of `table` that `expr` reads, by name in column order; None when it reads
/// the whole row or a system column.
///
/// # Safety
/// `expr` is an analysed expression whose range table entry 1 is `table`.
unsafe fn columns_read(expr: *mut pg_sys::Node, table: pg_sys::Oid) -> Option<Vec<String>> {
    let mut set: *mut pg_sys::Bitmapset = std::ptr::null_mut();
    pg_sys::pull_varattnos(expr, 1, &mut set);
    let mut columns = Vec::new();
    let mut member = -1;
    loop {
        member = pg_sys::bms_next_member(set, member);
        if member < 0 {
            return Some(columns);
        }
        let attnum = member + pg_sys::FirstLowInvalidHeapAttributeNumber;
        if attnum <= 0 {
            return None;
        }
        let name = pg_sys::get_attname(table, attnum as pg_sys::AttrNumber, false);
        columns.push(CStr::from_ptr(name).to_string_lossy().into_owned());
    }
}

/// Whether a range table entry is the grouping step's own (PostgreSQL 18 and later).
///
/// # Safety
/// `entry` points to a range table entry of an analysed query.
unsafe fn is_group_entry(entry: *mut pg_sys::RangeTblEntry) -> bool {
    #[cfg(feature = "pg15")]
    {
        let _ = entry;
        false
    }
    #[cfg(not(feature = "pg15"))]
    {
        (*entry).rtekind == pg_sys::RTEKind::RTE_GROUP
    }
}

/// Whether `expr` reads a column anywhere but inside an aggregate.
///
/// # Safety
/// `expr` is an analysed expression.
unsafe fn reads_outside_aggregates(expr: *mut pg_sys::Node) -> bool {
    let outside = PgList::<pg_sys::Node>::from_pg(pg_sys::pull_var_clause(
        expr,
        pg_sys::PVC_INCLUDE_AGGREGATES as std::ffi::c_int,
    ));
    let found = outside
        .iter_ptr()
        .any(|node| (*node).type_ == pg_sys::NodeTag::T_Var);
    found
}

/// Whether the rows of a related table are grouped by its client column consistently with how
/// that column is compared with the client key: the equality `column = key` resolves to must
/// belong to the column type's own default B-tree operator family. Where it does not (a
/// `varchar` column against a `character(n)` key, compared as `character`; a `numeric` column
/// against a `double precision` key, compared as `double precision`), values the column tells
/// apart can equal one key, and the same client's rows would fall into several groups. An
/// equality that reads the session's settings (timestamp against timestamptz) is refused too.
/// `related_name` and `client_table_name` are printed as regclass does (quoted); must run with
/// the pinned search path (whose operators are pg_catalog's: a type whose equality lives in
/// another schema, such as citext, is compared as text). None when the comparison fits; else
/// the type the column is compared as and why it does not fit.
pub fn comparison_unlike_grouping(
    related_name: &str,
    client_column: &str,
    client_table_name: &str,
    key_column: &str,
) -> Option<String> {
    let sql = format!(
        "SELECT 1 FROM {related_name} AS r, {client_table_name} AS c WHERE r.{} = c.{}",
        pgrx::spi::quote_identifier(client_column),
        pgrx::spi::quote_identifier(key_column)
    );
    let c_sql = CString::new(sql).expect("names without NUL bytes");
    // SAFETY: parser and analyser entry points on a NUL-terminated string, as in `analyse`;
    // the catalog look-ups take OIDs of existing objects from the analysed query.
    unsafe {
        let query = analysed(&c_sql)?;
        let quals = (*(*query).jointree).quals;
        if quals.is_null() || (*quals).type_ != pg_sys::NodeTag::T_OpExpr {
            return Some("an expression".into());
        }
        let comparison = &*(quals as *mut pg_sys::OpExpr);
        let opno = comparison.opno;
        let left = PgList::<pg_sys::Node>::from_pg(comparison.args).get_ptr(0)?;
        let column_type = pg_sys::getBaseType(pg_sys::exprType(strip_casts(left)));
        let opclass = pg_sys::GetDefaultOpClass(column_type, pg_sys::BTREE_AM_OID);
        let own_equality = opclass != pg_sys::InvalidOid
            && pg_sys::op_in_opfamily(opno, pg_sys::get_opclass_family(opclass));
        let mut left_type = pg_sys::InvalidOid;
        let mut right_type = pg_sys::InvalidOid;
        pg_sys::op_input_types(opno, &mut left_type, &mut right_type);
        let printed = pg_sys::format_type_be(left_type);
        let compared_as = CStr::from_ptr(printed).to_string_lossy().into_owned();
        // an equality across types that reads the session's settings (timestamp against
        // timestamptz: the time zone) finds other clients in another session
        if pg_sys::func_volatile(pg_sys::get_opcode(opno)) != pg_sys::PROVOLATILE_IMMUTABLE as i8 {
            return Some(format!(
                "{compared_as}, whose equality depends on the session's settings"
            ));
        }
        if own_equality || exact_cast(column_type, left_type) {
            return None;
        }
        Some(format!(
            "{compared_as}, whose equality is not the column's own"
        ))
    }
}

/// Whether the implicit cast from `from` to `to` keeps values its type tells apart apart, so
/// that comparing them as `to` agrees with grouping them as `from`: integers as `numeric`, small
/// integers and `real` as `double precision`, `character` as `text` (both ignore the padding).
fn exact_cast(from: pg_sys::Oid, to: pg_sys::Oid) -> bool {
    use pg_sys::{BPCHAROID, FLOAT4OID, FLOAT8OID, INT2OID, INT4OID, INT8OID, NUMERICOID, TEXTOID};
    matches!(
        (from, to),
        (INT2OID | INT4OID | INT8OID, NUMERICOID)
            | (INT2OID | INT4OID | FLOAT4OID, FLOAT8OID)
            | (BPCHAROID, TEXTOID)
    )
}

/// The expression under any casts the parser put around it (the column, as the table holds
/// it).
///
/// # Safety
/// `node` is an analysed expression.
unsafe fn strip_casts(mut node: *mut pg_sys::Node) -> *mut pg_sys::Node {
    loop {
        match (*node).type_ {
            pg_sys::NodeTag::T_RelabelType => {
                node = (*(node as *mut pg_sys::RelabelType)).arg as *mut pg_sys::Node;
            }
            pg_sys::NodeTag::T_CoerceViaIO => {
                node = (*(node as *mut pg_sys::CoerceViaIO)).arg as *mut pg_sys::Node;
            }
            pg_sys::NodeTag::T_FuncExpr
                if (*(node as *mut pg_sys::FuncExpr)).funcformat
                    == pg_sys::CoercionForm::COERCE_IMPLICIT_CAST =>
            {
                let args = PgList::<pg_sys::Node>::from_pg((*(node as *mut pg_sys::FuncExpr)).args);
                match args.get_ptr(0) {
                    Some(arg) => node = arg,
                    None => return node,
                }
            }
            _ => return node,
        }
    }
}
