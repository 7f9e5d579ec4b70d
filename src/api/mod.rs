//! The SQL API: thin `#[pg_extern]` wrappers that check arguments, call the engine and the
//! store, and turn errors into SQLSTATEs.

pub mod clients;
pub mod config;
pub mod ddl;
pub mod parameters;
pub mod reports;

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
