//! Configuration reads and writes: schemes by name or id, questions, options and levels.

use super::catalog::entity_from_row;
use super::query::{self, render};
use super::spi::{all_names, decimal, exists, ok, value, value_mut};
use crate::engine::{Bound, Level};
use crate::entity::Scheme;
use crate::error::{Result, SegmentError};
use pgrx::datum::DatumWithOid;
use pgrx::spi::{Spi, SpiHeapTupleData};
use rust_decimal::Decimal;

const SCHEME_BY_NAME: &str = "SELECT s.scheme_id, s.name, s.draft_of, {{entity_columns}} \
     FROM segment.schemes s JOIN segment.entities e ON e.entity_id = s.entity_id WHERE s.name = $1";
const SCHEME_BY_ID: &str = "SELECT s.scheme_id, s.name, s.draft_of, {{entity_columns}} \
     FROM segment.schemes s JOIN segment.entities e ON e.entity_id = s.entity_id \
     WHERE s.scheme_id = $1";

fn scheme_where(template: &str, key: DatumWithOid<'_>) -> Option<Scheme> {
    let sql = render(template, &[]);
    Spi::connect(|c| {
        let rows = ok(c.select(sql.as_str(), Some(1), &[key]));
        rows.into_iter().next().map(|row| Scheme {
            scheme_id: ok(row.get::<i32>(1)).unwrap_or_default(),
            name: ok(row.get::<String>(2)).unwrap_or_default(),
            draft_of: ok(row.get::<i32>(3)),
            entity: entity_from_row(&row, 4),
        })
    })
}

/// The scheme of that name; an unknown name is refused, listing the known ones.
pub fn scheme(name: &str) -> Result<Scheme> {
    scheme_where(SCHEME_BY_NAME, name.into()).ok_or_else(|| SegmentError::UnknownScheme {
        name: name.to_string(),
        known: all_names("SELECT name FROM segment.schemes ORDER BY name", &[]),
    })
}

/// The live scheme of that name: a draft is refused (55000), as it scores nobody.
pub fn live_scheme(name: &str) -> Result<Scheme> {
    let scheme = scheme(name)?;
    if scheme.draft_of.is_some() {
        return Err(SegmentError::DraftNotLive { name: scheme.name });
    }
    Ok(scheme)
}

pub fn scheme_by_id(scheme_id: i32) -> Option<Scheme> {
    scheme_where(SCHEME_BY_ID, scheme_id.into())
}

pub fn question_id(scheme: &Scheme, code: &str) -> Result<i32> {
    let id = value::<i32>(
        "SELECT question_id FROM segment.questions WHERE scheme_id = $1 AND code = $2",
        &[scheme.scheme_id.into(), code.into()],
    );
    id.ok_or_else(|| SegmentError::UnknownQuestion {
        scheme: scheme.name.clone(),
        code: code.to_string(),
        known: all_names(
            "SELECT code FROM segment.questions WHERE scheme_id = $1 ORDER BY position, code",
            &[scheme.scheme_id.into()],
        ),
    })
}

pub fn option_id(scheme: &Scheme, question: &str, question_id: i32, code: &str) -> Result<i32> {
    let id = value::<i32>(
        "SELECT option_id FROM segment.options WHERE question_id = $1 AND code = $2",
        &[question_id.into(), code.into()],
    );
    id.ok_or_else(|| SegmentError::UnknownOption {
        scheme: scheme.name.clone(),
        question: question.to_string(),
        code: code.to_string(),
        known: all_names(
            "SELECT code FROM segment.options WHERE question_id = $1 ORDER BY position, code",
            &[question_id.into()],
        ),
    })
}

/// The scheme's levels (variant None) and each of its variants' own, in order of their lower
/// bounds; a variant without levels of its own is not listed (its clients take the scheme's).
pub fn level_sets(scheme_id: i32) -> Result<Vec<(Option<String>, Vec<Level>)>> {
    Spi::connect(|c| {
        let rows = ok(c.select(
            "SELECT l.name, l.min_score::text, l.max_score::text, v.code FROM segment.levels l \
             LEFT JOIN segment.variants v ON v.variant_id = l.variant_id \
             WHERE l.scheme_id = $1 ORDER BY v.code NULLS FIRST, l.min_score, l.name",
            None,
            &[scheme_id.into()],
        ));
        let mut sets: Vec<(Option<String>, Vec<Level>)> = Vec::new();
        for row in rows {
            let variant = ok(row.get::<String>(4));
            let level = level_from_row(&row)?;
            match sets.last_mut() {
                Some((v, levels)) if *v == variant => levels.push(level),
                _ => sets.push((variant, vec![level])),
            }
        }
        if !sets.iter().any(|(v, _)| v.is_none()) {
            sets.insert(0, (None, Vec::new()));
        }
        Ok(sets)
    })
}

/// What the scheme adds to the weighted sum of its inputs: its groups and forced levels
/// (`scheme_rules.sql`).
pub fn rules(scheme_id: i32) -> Result<crate::engine::Rules> {
    use crate::engine::{ForcedRule, GroupRule, Rules};
    Spi::connect(|c| {
        let mut rules = Rules::default();
        for row in ok(c.select(query::SCHEME_RULES, None, &[scheme_id.into()])) {
            let text = |i: usize| ok(row.get::<String>(i));
            let code = text(2).unwrap_or_default();
            if text(1).as_deref() == Some("g") {
                rules.groups.push(GroupRule {
                    code,
                    min: decimal(text(3))?,
                    max: decimal(text(4))?,
                });
            } else {
                rules.forced.push(ForcedRule {
                    item: code,
                    value: text(3).unwrap_or_default(),
                    level: text(4).unwrap_or_default(),
                });
            }
        }
        Ok(rules)
    })
}

/// A level from the columns name, min_score::text, max_score::text.
fn level_from_row(row: &SpiHeapTupleData<'_>) -> Result<Level> {
    let bound = |i: usize| -> Result<Bound> {
        Ok(Bound::parse(&ok(row.get::<String>(i)).unwrap_or_default())?)
    };
    Ok(Level {
        name: ok(row.get::<String>(1)).unwrap_or_default(),
        min: bound(2)?,
        max: bound(3)?,
    })
}

/// Runs an INSERT … RETURNING of one id.
pub(super) fn insert_returning_id(query: &str, args: &[DatumWithOid<'_>]) -> i32 {
    value_mut::<i32>(query, args).expect("INSERT … RETURNING returns an id")
}

pub fn scheme_name_taken(name: &str) -> bool {
    exists(
        "SELECT 1 FROM segment.schemes WHERE name = $1",
        &[name.into()],
    )
}

pub fn insert_scheme(name: &str, entity_id: i32, description: Option<&str>) -> i32 {
    insert_returning_id(
        "INSERT INTO segment.schemes (name, entity_id, description) VALUES ($1, $2, $3) \
         RETURNING scheme_id",
        &[name.into(), entity_id.into(), description.into()],
    )
}

/// What `insert_item` inserts.
#[derive(Clone, Copy)]
pub enum Item {
    /// a question of a scheme: its prompt, weight and kind (`single` or `number`)
    Question(&'static str),
    /// an option of a question: its label and points
    Option,
}

/// A new question or option under `parent` (a scheme or a question): its code, prompt or label,
/// weight or points; without a position, after the parent's last.
pub fn insert_item(
    item: Item,
    parent: i32,
    code: &str,
    text: &str,
    number: Decimal,
    position: Option<i32>,
) -> i32 {
    let (sql, kind) = match item {
        Item::Question(kind) => (
            "INSERT INTO segment.questions (scheme_id, code, prompt, weight, position, kind) \
             VALUES ($1, $2, $3, $4::numeric, COALESCE($5, \
                     (SELECT COALESCE(pg_catalog.max(position), 0) + 1 \
                      FROM segment.questions WHERE scheme_id = $1)), $6) RETURNING question_id",
            Some(kind),
        ),
        Item::Option => (
            "INSERT INTO segment.options (question_id, code, label, points, position) \
             VALUES ($1, $2, $3, $4::numeric, COALESCE($5, \
                     (SELECT COALESCE(pg_catalog.max(position), 0) + 1 \
                      FROM segment.options WHERE question_id = $1))) RETURNING option_id",
            None,
        ),
    };
    let number = number.to_string();
    let mut args: Vec<DatumWithOid<'_>> = vec![
        parent.into(),
        code.into(),
        text.into(),
        number.as_str().into(),
        position.into(),
    ];
    args.extend(kind.map(|k| k.into()));
    insert_returning_id(sql, &args)
}

/// The codes of a scheme's numeric parameters and number questions (what may have ranges), in
/// display order.
pub fn range_owners(scheme_id: i32) -> Vec<String> {
    all_names(
        "SELECT code FROM ( \
             SELECT code, position FROM segment.parameters WHERE scheme_id = $1 \
               AND value_type IN ('smallint'::pg_catalog.regtype, 'integer', 'bigint', \
                                  'numeric', 'real', 'double precision') \
             UNION ALL \
             SELECT code, position FROM segment.questions WHERE scheme_id = $1 \
               AND kind = 'number') o ORDER BY position, code",
        &[scheme_id.into()],
    )
}

/// A question's kind by id (`single`, `multiple` or `number`).
pub fn question_kind(question_id: i32) -> String {
    value::<String>(
        "SELECT kind FROM segment.questions WHERE question_id = $1",
        &[question_id.into()],
    )
    .unwrap_or_default()
}

/// A new range of a number question; bounds as text, so '-Infinity' and 'Infinity' pass as
/// they are. The kind and overlap checks run in the ranges' trigger, for plain SQL too.
pub fn insert_question_range(question_id: i32, min: &str, max: &str, points: &str) -> i32 {
    insert_returning_id(
        "INSERT INTO segment.question_ranges (question_id, min_value, max_value, points) \
         VALUES ($1, $2::numeric, $3::numeric, $4::numeric) RETURNING range_id",
        &[question_id.into(), min.into(), max.into(), points.into()],
    )
}

pub fn option_code_taken(question_id: i32, code: &str) -> bool {
    exists(
        "SELECT 1 FROM segment.options WHERE question_id = $1 AND code = $2",
        &[question_id.into(), code.into()],
    )
}

/// Whether the scheme (or, `variant_id`, that variant of it) has a level of that name.
pub fn level_name_taken(scheme_id: i32, variant_id: Option<i32>, name: &str) -> bool {
    exists(
        "SELECT 1 FROM segment.levels WHERE scheme_id = $1 AND name = $2 \
         AND variant_id IS NOT DISTINCT FROM $3",
        &[scheme_id.into(), name.into(), variant_id.into()],
    )
}

/// A new level of the scheme (or of its variant `variant_id`); bounds as text, so
/// '-Infinity' and 'Infinity' pass as they are.
pub fn insert_level(
    scheme_id: i32,
    variant_id: Option<i32>,
    name: &str,
    min: &str,
    max: &str,
) -> i32 {
    insert_returning_id(
        "INSERT INTO segment.levels (scheme_id, variant_id, name, min_score, max_score) \
         VALUES ($1, $5, $2, $3::numeric, $4::numeric) RETURNING level_id",
        &[
            scheme_id.into(),
            name.into(),
            min.into(),
            max.into(),
            variant_id.into(),
        ],
    )
}

pub fn delete_scheme(scheme_id: i32) {
    Spi::connect_mut(|c| {
        ok(c.update(
            "DELETE FROM segment.schemes WHERE scheme_id = $1",
            None,
            &[scheme_id.into()],
        ));
    })
}

/// Bumps the scheme's version (locking its row, which serializes configuration changes of one
/// scheme); None when the scheme no longer exists.
pub fn bump_version(scheme_id: i32) -> Option<i32> {
    value_mut::<i32>(
        "UPDATE segment.schemes SET version = version + 1 WHERE scheme_id = $1 RETURNING version",
        &[scheme_id.into()],
    )
}

/// A question as its id names it, for errors about answers that name it.
#[derive(Debug, Clone, Default)]
pub struct QuestionOfId {
    pub scheme: String,
    pub code: String,
    pub kind: String,
    /// the client table of its scheme
    pub client_table: String,
}

/// The question `question_id` names; None when there is no such question.
pub fn question_of_id(question_id: i32) -> Option<QuestionOfId> {
    Spi::connect(|c| {
        ok(c.select(
            "SELECT s.name, q.code, q.kind, e.client_table::text FROM segment.questions q \
             JOIN segment.schemes s ON s.scheme_id = q.scheme_id \
             JOIN segment.entities e ON e.entity_id = s.entity_id WHERE q.question_id = $1",
            Some(1),
            &[question_id.into()],
        ))
        .next()
        .map(|row| {
            let text = |i: usize| ok(row.get::<String>(i)).unwrap_or_default();
            QuestionOfId {
                scheme: text(1),
                code: text(2),
                kind: text(3),
                client_table: text(4),
            }
        })
    })
}
