//! The configuration of ruled schemes (sql/rules.sql): groups, members, required inputs and
//! forced levels, written with plain statements whose table triggers check and re-segment.

use super::configuration::insert_returning_id;
use super::spi::{all_names, value, value_mut};
use crate::entity::Scheme;
use crate::error::{Result, SegmentError};
use pgrx::datum::DatumWithOid;

/// An input of a scheme by its code: a question or a parameter (codes are unique among both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Question(i32),
    Parameter(i32),
}

/// The question or parameter `code` of the scheme; an unknown code is refused, listing both.
pub fn input(scheme: &Scheme, code: &str) -> Result<Input> {
    let found = value::<Vec<String>>(
        "SELECT ARRAY[kind, id::text] FROM ( \
             SELECT 'q' AS kind, question_id AS id FROM segment.questions \
             WHERE scheme_id = $1 AND code = $2 \
             UNION ALL SELECT 'p', parameter_id FROM segment.parameters \
             WHERE scheme_id = $1 AND code = $2) i",
        &[scheme.scheme_id.into(), code.into()],
    );
    let parsed = found.as_deref().and_then(|found| match found {
        [kind, id] => Some((kind.as_str(), id.parse::<i32>().ok()?)),
        _ => None,
    });
    match parsed {
        Some(("q", id)) => Ok(Input::Question(id)),
        Some((_, id)) => Ok(Input::Parameter(id)),
        _ => Err(SegmentError::UnknownRuleTarget {
            scheme: scheme.name.clone(),
            what: "question or parameter",
            code: code.to_string(),
            known: all_names(
                "SELECT code FROM (SELECT code, position FROM segment.questions WHERE scheme_id = $1 \
                 UNION ALL SELECT code, position FROM segment.parameters WHERE scheme_id = $1) i \
                 ORDER BY position, code",
                &[scheme.scheme_id.into()],
            ),
        }),
    }
}

/// The id of a group of the scheme; an unknown code is refused, listing the known ones.
pub fn group_id(scheme: &Scheme, code: &str) -> Result<i32> {
    value::<i32>(
        "SELECT group_id FROM segment.groups WHERE scheme_id = $1 AND code = $2",
        &[scheme.scheme_id.into(), code.into()],
    )
    .ok_or_else(|| SegmentError::UnknownRuleTarget {
        scheme: scheme.name.clone(),
        what: "group",
        code: code.to_string(),
        known: all_names(
            "SELECT code FROM segment.groups WHERE scheme_id = $1 ORDER BY code",
            &[scheme.scheme_id.into()],
        ),
    })
}

/// The id of a level of the scheme by name (the scheme's own, else the first variant's by code
/// that has one: a forced level gives a client the level's name, whichever variant it is of);
/// an unknown name is refused, listing the known ones.
pub fn level_id(scheme: &Scheme, name: &str) -> Result<i32> {
    value::<i32>(
        "SELECT l.level_id FROM segment.levels l \
         LEFT JOIN segment.variants v ON v.variant_id = l.variant_id \
         WHERE l.scheme_id = $1 AND l.name = $2 ORDER BY v.code NULLS FIRST LIMIT 1",
        &[scheme.scheme_id.into(), name.into()],
    )
    .ok_or_else(|| SegmentError::UnknownRuleTarget {
        scheme: scheme.name.clone(),
        what: "level",
        code: name.to_string(),
        known: all_names(
            "SELECT name FROM segment.levels WHERE scheme_id = $1 \
             GROUP BY name ORDER BY pg_catalog.min(min_score), name",
            &[scheme.scheme_id.into()],
        ),
    })
}

pub fn group_taken(scheme_id: i32, code: &str) -> bool {
    super::spi::exists(
        "SELECT 1 FROM segment.groups WHERE scheme_id = $1 AND code = $2",
        &[scheme_id.into(), code.into()],
    )
}

/// A new group; bounds as text (None: open).
pub fn insert_group(scheme_id: i32, code: &str, min: Option<&str>, max: Option<&str>) -> i32 {
    insert_returning_id(
        "INSERT INTO segment.groups (scheme_id, code, min_points, max_points) \
         VALUES ($1, $2, $3::numeric, $4::numeric) RETURNING group_id",
        &[scheme_id.into(), code.into(), min.into(), max.into()],
    )
}

/// Puts an input into a group (None: into none).
pub fn set_group(input: Input, group_id: Option<i32>) {
    set_input_column(input, "group_id", group_id.into());
}

/// Makes an input required or not.
pub fn set_required(input: Input, required: bool) {
    set_input_column(input, "required", required.into());
}

/// Sets a column of the input's row (in questions or parameters) when it holds another value:
/// an unchanged row is not written, so its table's trigger re-segments nothing.
fn set_input_column(input: Input, column: &str, value: DatumWithOid<'_>) {
    let (table, id) = match input {
        Input::Question(_) => ("questions", "question_id"),
        Input::Parameter(_) => ("parameters", "parameter_id"),
    };
    value_mut::<i32>(
        &format!(
            "WITH u AS (UPDATE segment.{table} SET {column} = $2 \
             WHERE {id} = $1 AND {column} IS DISTINCT FROM $2 RETURNING 1) \
             SELECT pg_catalog.count(*)::integer FROM u"
        ),
        &[input_id(input).into(), value],
    );
}

fn input_id(input: Input) -> i32 {
    match input {
        Input::Question(id) | Input::Parameter(id) => id,
    }
}

/// Whether the input has a forced level for this value already: for a number question, for
/// the same number however it is spelled (the rule stores it with its scale trimmed; a value
/// that is no number is left to the table's trigger to refuse).
pub fn forced_value_taken(input: Input, value: &str) -> bool {
    let sql = match input {
        Input::Question(_) => {
            "SELECT 1 FROM segment.forced_levels f \
             JOIN segment.questions q ON q.question_id = f.question_id \
             WHERE f.question_id = $1 AND f.value = CASE \
                 WHEN q.kind = 'number' \
                      AND $2 ~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]{1,4})?\\s*$' \
                 THEN CAST(pg_catalog.trim_scale(CAST($2 AS numeric)) AS text) ELSE $2 END"
        }
        Input::Parameter(_) => {
            "SELECT 1 FROM segment.forced_levels \
             WHERE parameter_id = $1 AND value = segment._parameter_value_text($1, $2)"
        }
    };
    super::spi::exists(sql, &[input_id(input).into(), value.into()])
}

/// A new forced level; the table's BEFORE trigger checks the value against the input (and, for
/// a choice question, records the option it names).
pub fn insert_forced_level(scheme_id: i32, input: Input, value: &str, level_id: i32) -> i32 {
    let (question, parameter) = match input {
        Input::Question(id) => (Some(id), None),
        Input::Parameter(id) => (None, Some(id)),
    };
    insert_returning_id(
        "INSERT INTO segment.forced_levels (scheme_id, question_id, parameter_id, value, level_id) \
         VALUES ($1, $2, $3, $4, $5) RETURNING rule_id",
        &[
            scheme_id.into(),
            question.into(),
            parameter.into(),
            value.into(),
            level_id.into(),
        ],
    )
}
