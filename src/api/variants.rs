//! Variants (subtypes) of a scheme (sql/variants.sql): a client column selects the variant, and
//! each variant has its own inputs and, if it has some, its own levels. The tables' triggers
//! check what holds for plain SQL too and re-segment the scheme; these functions add the
//! argument checks and clear errors.

use super::required;
use crate::engine;
use crate::error::{OrRaise, Result, SegmentError};
use crate::store;
use pgrx::prelude::*;

/// Splits the scheme into variants by a column of its client table (NULL: by none, so every
/// input and the scheme's levels apply to every client).
#[pg_extern(volatile)]
fn set_variant_column(scheme: Option<&str>, column_name: Option<&str>) {
    (|| -> Result<()> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        store::variants::set_variant_column(scheme.scheme_id, column_name);
        Ok(())
    })()
    .or_raise()
}

/// A new variant of the scheme: the clients whose variant column's value (text form) is one
/// of `column_values`.
#[pg_extern(volatile)]
fn add_variant(
    scheme: Option<&str>,
    code: Option<&str>,
    label: Option<&str>,
    column_values: Option<Vec<Option<String>>>,
) -> i32 {
    (|| -> Result<i32> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let code = required(code, "code")?;
        engine::validate_code("variant code", code)?;
        let label = required(label, "label")?;
        let values = required(column_values, "column_values")?;
        let values: Vec<String> = values
            .into_iter()
            .map(|v| {
                v.ok_or(SegmentError::NullArgument {
                    argument: "an element of column_values",
                })
            })
            .collect::<Result<_>>()?;
        if values.is_empty() {
            return Err(SegmentError::EmptyArray {
                argument: "column_values",
            });
        }
        if store::variants::variant_taken(scheme.scheme_id, code) {
            return Err(SegmentError::Duplicate {
                what: "variant",
                value: code.to_string(),
                within: format!("in scheme \"{}\"", scheme.name),
            });
        }
        Ok(store::variants::insert_variant(
            scheme.scheme_id,
            code,
            label,
            values,
        ))
    })()
    .or_raise()
}

/// Attaches a question or parameter of the scheme to a variant: it counts only for the clients
/// of the variants it is attached to (one attached to none counts for every client).
#[pg_extern(volatile)]
fn attach(scheme: Option<&str>, variant: Option<&str>, item: Option<&str>) {
    (|| -> Result<()> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let variant_id = store::variants::variant_id(&scheme, required(variant, "variant")?)?;
        let input = store::rules::input(&scheme, required(item, "item")?)?;
        store::variants::attach(scheme.scheme_id, variant_id, input);
        Ok(())
    })()
    .or_raise()
}
