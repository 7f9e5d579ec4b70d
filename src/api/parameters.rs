//! Parameters: inputs of a scheme computed from the client's own row, mapped to points by
//! ranges or exact values. The checks that hold for plain SQL on the tables too live in their
//! triggers (sql/parameters.sql); these functions add the argument checks and clear errors.

use super::{required, to_decimal};
use crate::client_table::ClientTable;
use crate::engine::{self, Bound, EngineError};
use crate::error::{OrRaise, Result, SegmentError};
use crate::security::as_role;
use crate::store;
use pgrx::datum::AnyNumeric;
use pgrx::pg_sys;
use pgrx::prelude::*;

/// The type a source's client column is compared with the client key as, when that equality
/// is not the column type's own (`store::comparison_unlike_grouping`); NULL when it is. Called
/// by the DDL checks (sql/ddl.sql) after a source or a client table changed.
#[pg_extern(stable, strict)]
fn _comparison_unlike_grouping(
    source: ClientTable,
    client_column: &str,
    client_table: ClientTable,
    key_column: &str,
) -> Option<String> {
    store::comparison_unlike_grouping(
        &store::relation_name(source.0),
        client_column,
        &store::relation_name(client_table.0),
        key_column,
    )
}

/// Checks a parameter expression over a client table (or, with `source`, over the rows of a
/// related table that reference the client by `client_column`) and tries it as `definer` on
/// zero rows; returns what the parameters table stores. Called by the parameters' BEFORE
/// trigger.
#[pg_extern(volatile)]
fn _checked_expression(
    client_table: Option<ClientTable>,
    expression: Option<&str>,
    definer: Option<pg_sys::Oid>,
    source: Option<ClientTable>,
    client_column: Option<&str>,
) -> TableIterator<
    'static,
    (
        name!(expression, String),
        name!(value_type, pg_sys::Oid),
        name!(columns, Vec<String>),
    ),
> {
    let checked = (|| -> Result<_> {
        let table = required(client_table, "client_table")?.0;
        let expression = required(expression, "expression")?;
        let definer = required(definer, "definer")?;
        // What the parameters' trigger checks, checked again for a direct call: the caller
        // acts as the definer only if it may, and attaches triggers only where it may.
        if !crate::security::may_act_as(definer) {
            return Err(SegmentError::PermissionDenied {
                message: format!(
                    "permission denied to define a parameter as role {}",
                    definer.to_u32()
                ),
                hint: "A parameter is evaluated with the rights of its definer: the writing role, \
                       or a role it may use."
                    .into(),
            });
        }
        for relid in std::iter::once(table).chain(source.map(|s| s.0)) {
            if !store::has_table_privilege(relid, "TRIGGER") {
                return Err(SegmentError::PermissionDenied {
                    message: format!(
                        "permission denied to add a parameter over table {}",
                        store::relation_name(relid)
                    ),
                    hint: "A parameter attaches triggers to the tables it reads; ask their owner \
                           to GRANT TRIGGER to the role defining it."
                        .into(),
                });
            }
        }
        let entity = client_entity(table)?;
        let source = match source {
            None => None,
            Some(source) => {
                let name = store::existing_relation_name(source.0).ok_or(
                    SegmentError::UndefinedTable {
                        oid: source.0.to_u32(),
                    },
                )?;
                if let Some(reason) = store::unsuitable_source(source.0) {
                    return Err(SegmentError::UnsuitableSource {
                        table: name,
                        reason,
                    });
                }
                Some((source.0, name))
            }
        };
        let checked = check_over(table, expression, source.as_ref(), client_column)?;
        if let (Some((oid, name)), Some(column)) = (&source, client_column) {
            if let Some(collation) = store::nondeterministic_collation(*oid, column) {
                return Err(SegmentError::NondeterministicKey {
                    table: name.clone(),
                    column: column.to_string(),
                    collation,
                });
            }
        }
        let related = match (source, client_column) {
            (Some((oid, name)), Some(column)) => Some(store::RelatedTable {
                oid,
                name,
                client_column: column.to_string(),
            }),
            _ => None,
        };
        store::trial_evaluation(&entity, "(new)", &checked.text, related.clone(), definer);
        if let Some(r) = &related {
            let unlike = store::comparison_unlike_grouping(
                &r.name,
                &r.client_column,
                &entity.client_table,
                &entity.key_column,
            );
            if let Some(compared_as) = unlike {
                return Err(SegmentError::ComparisonUnlikeGrouping {
                    table: r.name.clone(),
                    column: r.client_column.clone(),
                    compared_as,
                    key_type: entity.key_type.clone(),
                });
            }
        }
        if let Some(r) = &related {
            if let Some(index) = store::index_for_related_rows(&entity, r, definer) {
                notice_missing_index(&r.name, &r.client_column, &index);
            }
        }
        Ok(checked)
    })()
    .or_raise();
    TableIterator::once((checked.text, checked.value_type, checked.columns))
}

/// Tells whoever adds a parameter over a related table that no index serves finding a
/// client's rows of it, so that every write of its rows will read the whole table; `index` is
/// the one to create.
fn notice_missing_index(table: &str, column: &str, index: &str) {
    let column = pgrx::spi::quote_identifier(column);
    pgrx::pg_sys::panic::ErrorReport::new(
        PgSqlErrorCode::ERRCODE_WARNING,
        format!("no index of {table} serves finding a client's rows by column {column}"),
        "pg_segment",
    )
    .set_detail(
        "A write of its rows re-scores their clients by reading each one's rows of the table, \
         comparing the column with client keys of the key's type: without an index for that \
         comparison, by reading the whole table (and under SERIALIZABLE predicate-locking all \
         of it).",
    )
    .set_hint(index.to_string())
    .report(PgLogLevel::NOTICE);
}

/// The type a parameter's stored expression gives over its table as the table is now, parsed
/// and analysed only (nothing runs, no rights are used); raises the expression's own error
/// when it no longer analyses. Called after an ALTER TABLE of a table parameters read
/// (sql/ddl.sql), which refuses a change of what they give.
#[pg_extern(stable)]
fn _expression_type(
    client_table: Option<ClientTable>,
    expression: Option<&str>,
    source: Option<ClientTable>,
    client_column: Option<&str>,
) -> pg_sys::Oid {
    (|| -> Result<pg_sys::Oid> {
        let table = required(client_table, "client_table")?.0;
        let expression = required(expression, "expression")?;
        let source = source.map(|s| (s.0, store::relation_name(s.0)));
        let checked = check_over(table, expression, source.as_ref(), client_column)?;
        Ok(checked.value_type)
    })()
    .or_raise()
}

/// The entity of a client table; `NotAClientTable` for any other table.
fn client_entity(table: pg_sys::Oid) -> Result<crate::entity::Entity> {
    store::entity_of_client_table(table).ok_or_else(|| SegmentError::NotAClientTable {
        table: store::relation_name(table),
    })
}

/// A parameter expression parsed and analysed over a client table's row, or over the rows of
/// `source` (its OID and printed name) grouped by `client_column`.
fn check_over(
    client_table: pg_sys::Oid,
    expression: &str,
    source: Option<&(pg_sys::Oid, String)>,
    client_column: Option<&str>,
) -> Result<store::CheckedExpression> {
    match source {
        None => store::check_expression(
            client_table,
            &client_entity(client_table)?.client_table,
            store::Over::ClientRow,
            expression,
        ),
        Some((relid, name)) => store::check_expression(
            *relid,
            name,
            store::Over::Related {
                client_column: required(client_column, "client_column")?,
            },
            expression,
        ),
    }
}

/// Adds a parameter; the public `segment.add_parameter` (sql/finalize.sql) passes its
/// `regclass` and `name` arguments on as OID and text.
#[allow(clippy::too_many_arguments)]
#[pg_extern(volatile)]
fn _add_parameter(
    scheme: Option<&str>,
    code: Option<&str>,
    label: Option<&str>,
    expression: Option<&str>,
    weight: Option<AnyNumeric>,
    source: Option<ClientTable>,
    client_column: Option<&str>,
    required_input: Option<bool>,
    position: Option<i32>,
) -> i32 {
    (|| -> Result<i32> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let code = required(code, "code")?;
        let label = required(label, "label")?;
        let expression = required(expression, "expression")?;
        let weight = required(weight, "weight")?;
        let required_input = required(required_input, "required")?;
        let related = match (source, client_column) {
            (None, None) => None,
            (Some(source), Some(column)) => Some((source.0, column)),
            (Some(_), None) => {
                return Err(SegmentError::NullArgument {
                    argument: "client_column",
                })
            }
            (None, Some(_)) => return Err(SegmentError::ColumnWithoutSource),
        };
        let weight = super::new_input_weight(&scheme, "parameter code", code, &weight)?;
        Ok(store::insert_parameter(
            scheme.scheme_id,
            code,
            label,
            expression,
            &weight.to_string(),
            required_input,
            position,
            related,
        ))
    })()
    .or_raise()
}

/// Numeric values of the parameter (or answers of the number question) `parameter` in
/// [min_value, max_value) are worth `points`.
#[pg_extern(volatile)]
fn add_range(
    scheme: Option<&str>,
    parameter: Option<&str>,
    min_value: Option<AnyNumeric>,
    max_value: Option<AnyNumeric>,
    points: Option<AnyNumeric>,
) -> i32 {
    (|| -> Result<i32> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let item = required(parameter, "parameter")?;
        // a parameter's code, else a question's (codes are unique among both)
        let owner: std::result::Result<i32, i32> = match store::parameter_id(&scheme, item) {
            Ok(parameter_id) => Ok(parameter_id),
            Err(_) => Err(store::question_id(&scheme, item).map_err(|_| {
                SegmentError::UnknownRangeOwner {
                    scheme: scheme.name.clone(),
                    code: item.to_string(),
                    known: store::range_owners(scheme.scheme_id),
                }
            })?),
        };
        let min_text = required(min_value, "min_value")?.to_string();
        let max_text = required(max_value, "max_value")?.to_string();
        let points = checked_points(required(points, "points")?)?;
        let (min, max) = (Bound::parse(&min_text)?, Bound::parse(&max_text)?);
        if min >= max {
            return Err(EngineError::EmptyValueRange {
                item_kind: if owner.is_ok() {
                    "parameter"
                } else {
                    "question"
                },
                parameter: item.to_string(),
                min,
                max,
            }
            .into());
        }
        // The type (or kind) and overlap checks run in the ranges' triggers, for plain SQL too.
        Ok(match owner {
            Ok(parameter_id) => store::insert_range(parameter_id, &min_text, &max_text, &points),
            Err(question_id) => {
                store::insert_question_range(question_id, &min_text, &max_text, &points)
            }
        })
    })()
    .or_raise()
}

/// A value of the parameter equal (in text form) to `value` is worth `points`.
#[pg_extern(volatile)]
fn add_match(
    scheme: Option<&str>,
    parameter: Option<&str>,
    value: Option<&str>,
    points: Option<AnyNumeric>,
) -> i32 {
    (|| -> Result<i32> {
        let (scheme, parameter, parameter_id) = scheme_parameter(scheme, parameter)?;
        let value = required(value, "value")?;
        let points = checked_points(required(points, "points")?)?;
        if store::match_taken(parameter_id, value) {
            return Err(SegmentError::Duplicate {
                what: "match",
                value: value.to_string(),
                within: format!(
                    "for parameter \"{parameter}\" of scheme \"{}\"",
                    scheme.name
                ),
            });
        }
        Ok(store::insert_match(parameter_id, value, &points))
    })()
    .or_raise()
}

/// Drops a parameter with its ranges and matches; the scheme is re-segmented, and the client
/// table's triggers follow.
#[pg_extern(volatile)]
fn drop_parameter(scheme: Option<&str>, parameter: Option<&str>) {
    (|| -> Result<()> {
        let (_, _, parameter_id) = scheme_parameter(scheme, parameter)?;
        store::delete_parameter(parameter_id);
        Ok(())
    })()
    .or_raise()
}

/// A scheme and the id of its parameter `parameter`, both required and known.
fn scheme_parameter<'a>(
    scheme: Option<&str>,
    parameter: Option<&'a str>,
) -> Result<(crate::entity::Scheme, &'a str, i32)> {
    let scheme = store::scheme(required(scheme, "scheme")?)?;
    let parameter = required(parameter, "parameter")?;
    let parameter_id = store::parameter_id(&scheme, parameter)?;
    Ok((scheme, parameter, parameter_id))
}

/// Points as the engine holds them, in text form; out of range is refused, never rounded.
fn checked_points(points: AnyNumeric) -> Result<String> {
    Ok(points_decimal(&points)?.to_string())
}

/// Points (or a group's bound) as the engine holds them; out of range is refused, never
/// rounded.
pub(super) fn points_decimal(points: &AnyNumeric) -> Result<rust_decimal::Decimal> {
    let decimal = to_decimal(points).map_err(|_| EngineError::PointsOutOfRange {
        points: points.to_string(),
    })?;
    engine::validate_points(decimal)?;
    Ok(decimal)
}

/// Re-evaluates every parameter of every client of the scheme, set-based, and returns how many
/// assignments changed (history cause `refresh`): for values that change with time
/// (`now() - max(ordered_at)`), run on a schedule. Locks the client table and the related
/// tables against writers meanwhile. For roles that may edit the configuration.
#[pg_extern(volatile)]
fn refresh(scheme: Option<&str>) -> i64 {
    (|| -> Result<i64> {
        let scheme = store::live_scheme(required(scheme, "scheme")?)?;
        let parameters = crate::security::segment_relation(c"parameters");
        if !crate::security::has_privilege(parameters, pg_sys::ACL_UPDATE) {
            return Err(SegmentError::PermissionDenied {
                message: format!("permission denied to refresh scheme \"{}\"", scheme.name),
                hint: "Refreshing locks the client table and its related tables; it is for \
                       roles that may edit the configuration (segment.grant_admin)."
                    .into(),
            });
        }
        Ok(as_role(scheme.entity.owner, || {
            store::refresh_scheme(&scheme.entity, scheme.scheme_id, "refresh")
        }))
    })()
    .or_raise()
}
