//! Rules beyond a plain sum (sql/rules.sql): groups whose members' points are clamped together,
//! required inputs and forced levels. The tables' triggers check what holds for plain SQL too
//! and re-segment the scheme; these functions add the argument checks and clear errors.

use super::required;
use crate::engine;
use crate::error::{OrRaise, Result, SegmentError};
use crate::store;
use crate::store::rules as rule_store;
use pgrx::datum::AnyNumeric;
use pgrx::prelude::*;

/// A bound of a group, checked as points are (finite, at most four decimals).
fn checked_bound(bound: Option<AnyNumeric>) -> Result<Option<rust_decimal::Decimal>> {
    bound
        .map(|b| Ok(super::parameters::points_decimal(&b)?.normalize()))
        .transpose()
}

/// A new group of the scheme: the weighted contributions of its members (`segment.set_group`)
/// are summed and clamped to [min_points, max_points] (NULL: open) before they join the score.
#[pg_extern(volatile)]
fn add_group(
    scheme: Option<&str>,
    code: Option<&str>,
    min_points: default!(Option<AnyNumeric>, "NULL"),
    max_points: default!(Option<AnyNumeric>, "NULL"),
) -> i32 {
    (|| -> Result<i32> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let code = required(code, "code")?;
        engine::validate_code("group code", code)?;
        let min = checked_bound(min_points)?;
        let max = checked_bound(max_points)?;
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                return Err(SegmentError::GroupBounds {
                    group: code.to_string(),
                    min: lo.to_string(),
                    max: hi.to_string(),
                });
            }
        }
        if rule_store::group_taken(scheme.scheme_id, code) {
            return Err(SegmentError::Duplicate {
                what: "group",
                value: code.to_string(),
                within: format!("in scheme \"{}\"", scheme.name),
            });
        }
        let text = |bound: Option<rust_decimal::Decimal>| bound.map(|b| b.to_string());
        Ok(rule_store::insert_group(
            scheme.scheme_id,
            code,
            text(min).as_deref(),
            text(max).as_deref(),
        ))
    })()
    .or_raise()
}

/// Puts a question or parameter of the scheme into a group (`group_code` NULL: into none).
#[pg_extern(volatile)]
fn set_group(scheme: Option<&str>, item: Option<&str>, group_code: Option<&str>) {
    (|| -> Result<()> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let input = rule_store::input(&scheme, required(item, "item")?)?;
        let group = group_code
            .map(|code| rule_store::group_id(&scheme, code))
            .transpose()?;
        rule_store::set_group(input, group);
        Ok(())
    })()
    .or_raise()
}

/// Makes a question (or parameter) of the scheme required, or not: while a client lacks it
/// (a question unanswered, a parameter without points) its status is `incomplete` and its
/// segment NULL.
#[pg_extern(volatile)]
fn set_required(
    scheme: Option<&str>,
    item: Option<&str>,
    required: default!(Option<bool>, "true"),
) {
    (|| -> Result<()> {
        let scheme = store::scheme(super::required(scheme, "scheme")?)?;
        let input = rule_store::input(&scheme, super::required(item, "item")?)?;
        rule_store::set_required(input, super::required(required, "required")?);
        Ok(())
    })()
    .or_raise()
}

/// A forced level: a client whose answer to `item` is the option `value` (a number question:
/// whose answer equals `value`), or whose parameter `item` has the value `value` (text form),
/// gets `level` whatever its points, with status `forced`. The rule defined first wins.
#[pg_extern(volatile)]
fn force_level(
    scheme: Option<&str>,
    item: Option<&str>,
    value: Option<&str>,
    level: Option<&str>,
) -> i32 {
    (|| -> Result<i32> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let item = required(item, "item")?;
        let input = rule_store::input(&scheme, item)?;
        let value = required(value, "value")?;
        let level_id = rule_store::level_id(&scheme, required(level, "level")?)?;
        if rule_store::forced_value_taken(input, value) {
            return Err(SegmentError::Duplicate {
                what: "forced level for value",
                value: value.to_string(),
                within: format!("for \"{item}\" in scheme \"{}\"", scheme.name),
            });
        }
        Ok(rule_store::insert_forced_level(
            scheme.scheme_id,
            input,
            value,
            level_id,
        ))
    })()
    .or_raise()
}
