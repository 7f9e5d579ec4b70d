//! The SQL API: thin `#[pg_extern]` wrappers that check arguments, call the engine and the
//! store, and turn errors into SQLSTATEs.

pub mod clients;
pub mod config;
pub mod ddl;
pub mod drafts;
pub mod parameters;
pub mod reports;
pub mod rules;
pub mod variants;

use crate::error::{Result, SegmentError};
use pgrx::datum::AnyNumeric;
use rust_decimal::Decimal;

/// A required argument: NULL is refused with 22004 naming the argument.
pub fn required<T>(value: Option<T>, argument: &'static str) -> Result<T> {
    value.ok_or(SegmentError::NullArgument { argument })
}

pub fn to_decimal(value: &AnyNumeric) -> Result<Decimal> {
    // parse_decimal already names the value in its InvalidNumber error
    Ok(crate::engine::model::parse_decimal(&value.to_string())?)
}

pub fn to_numeric(value: Decimal) -> AnyNumeric {
    AnyNumeric::try_from(value.normalize().to_string().as_str())
        .expect("a Decimal prints as a valid numeric")
}

/// What a new input of a scheme (a question or a parameter) is checked for: a code that is not
/// blank and names no question or parameter of the scheme yet (23505), and a weight the engine
/// holds exactly (22023: more digits are out of range, never rounded). Returns the weight.
pub fn new_input_weight(
    scheme: &crate::entity::Scheme,
    what: &'static str,
    code: &str,
    weight: &AnyNumeric,
) -> Result<Decimal> {
    let weight = to_decimal(weight).map_err(|_| crate::engine::EngineError::WeightOutOfRange {
        weight: weight.to_string(),
    })?;
    crate::engine::validate_code(what, code)?;
    crate::engine::validate_weight(weight)?;
    if crate::store::input_code_taken(scheme.scheme_id, code) {
        return Err(SegmentError::Duplicate {
            what: "question or parameter",
            value: code.to_string(),
            within: format!("in scheme \"{}\"", scheme.name),
        });
    }
    Ok(weight)
}
