//! Scheme-wide reads: the questionnaire, the segment distribution, and a consistency check.

use super::to_numeric;
use crate::engine;
use crate::error::{OrRaise, Result, SegmentError};
use crate::store;
use pgrx::datum::{AnyNumeric, TimestampWithTimeZone};
use pgrx::prelude::*;

/// Questions with their options in display order, and the levels, for an app to render: of
/// the whole scheme, or of one of its variants (its questions and the levels of its clients).
#[pg_extern(stable)]
fn questionnaire(scheme: Option<&str>, variant: default!(Option<&str>, "NULL")) -> pgrx::JsonB {
    (|| -> Result<pgrx::JsonB> {
        let scheme = store::scheme(super::required(scheme, "scheme")?)?;
        let variant_id = variant
            .map(|code| store::variants::variant_id(&scheme, code))
            .transpose()?;
        Ok(store::questionnaire(&scheme, variant_id))
    })()
    .or_raise()
}

/// Level boundaries suggested by the scheme's current scores: at most `k` levels of
/// consecutive scores, numbered from the lowest, as `[min_score, max_score)` ranges that
/// `segment.add_level` takes (open at both ends, each boundary the lowest score of the level
/// above), with the clients each holds. `quantiles`: levels of as nearly equal numbers of
/// clients as ties allow; `kmeans`: the optimal one-dimensional k-means split. Clients with the
/// same score share a level, so fewer than `k` come back when there are fewer distinct scores.
#[pg_extern(stable, strict)]
fn suggest_levels(
    scheme: &str,
    k: i32,
    method: default!(&str, "'quantiles'"),
) -> TableIterator<
    'static,
    (
        name!(level, i32),
        name!(min_score, AnyNumeric),
        name!(max_score, AnyNumeric),
        name!(clients, i64),
    ),
> {
    let method = match method {
        "quantiles" => engine::split::SplitMethod::Quantiles,
        "kmeans" => engine::split::SplitMethod::KMeans,
        other => SegmentError::BadSplit {
            argument: "method",
            value: other.to_string(),
        }
        .raise(),
    };
    if k < 1 || k as usize > engine::split::MAX_CLASSES {
        SegmentError::BadSplit {
            argument: "k",
            value: k.to_string(),
        }
        .raise();
    }
    let scheme = store::scheme(scheme).or_raise();
    let histogram = store::score_histogram(&scheme);
    // (scores are numeric; the split's arithmetic is f64, the boundaries the scores themselves)
    let scores: Vec<f64> = histogram
        .iter()
        .map(|(score, _)| score.parse::<f64>().expect("numeric text from PostgreSQL"))
        .collect();
    let clients: Vec<u64> = histogram.iter().map(|(_, n)| *n as u64).collect();
    if method == engine::split::SplitMethod::KMeans
        && scores.len() * k as usize > engine::split::MAX_KMEANS_CELLS
    {
        SegmentError::SplitTooLarge {
            distinct: scores.len(),
            k: k as usize,
        }
        .raise();
    }
    let classes = engine::split::split(&scores, &clients, k as usize, method, &mut || {
        check_for_interrupts!();
    });
    let exact: Vec<_> = histogram
        .iter()
        .map(|(score, _)| engine::model::parse_decimal(score).ok())
        .collect();
    let levels = engine::split::level_bounds(classes, &exact);
    let number = |text: &str| AnyNumeric::try_from(text).expect("numeric text from PostgreSQL");
    let bound = |level: Option<&engine::split::SuggestedLevel>, open: &str| {
        level
            .and_then(|l| l.min_score)
            .map_or_else(|| number(open), |b| number(&b.to_string()))
    };
    let rows: Vec<_> = levels
        .iter()
        .enumerate()
        .map(|(i, level)| {
            let min = bound(Some(level), "-Infinity");
            let max = bound(levels.get(i + 1), "Infinity");
            (i as i32 + 1, min, max, level.class.clients as i64)
        })
        .collect();
    TableIterator::new(rows)
}

/// Assigned clients per segment (level order), with their share of all assigned clients and
/// the status they share; the clients whose score falls in a gap between levels
/// (`unsegmented`) and those missing a required parameter (`incomplete`) form the
/// NULL-segment rows, one per status.
#[pg_extern(stable, strict)]
fn distribution(
    scheme: &str,
) -> TableIterator<
    'static,
    (
        name!(segment, Option<String>),
        name!(clients, i64),
        name!(share, Option<AnyNumeric>),
        name!(status, String),
    ),
> {
    let scheme = store::scheme(scheme).or_raise();
    let rows = store::distribution(&scheme);
    TableIterator::new(rows.into_iter().map(|(segment, clients, share, status)| {
        let share =
            share.map(|s| AnyNumeric::try_from(s.as_str()).expect("numeric text from PostgreSQL"));
        (segment, clients, share, status)
    }))
}

/// `distribution` as the ledger shows it at a past moment: the clients categorized then, per
/// segment, with their share; `status` is 'scored' for a segment and NULL for the NULL-segment
/// row (the ledger records scores and segments, not why a score had no segment).
#[allow(clippy::type_complexity)] // pgrx reads column names from name!() in the signature
#[pg_extern(stable, strict)]
fn distribution_at(
    scheme: &str,
    at: TimestampWithTimeZone,
) -> TableIterator<
    'static,
    (
        name!(segment, Option<String>),
        name!(clients, i64),
        name!(share, Option<AnyNumeric>),
        name!(status, Option<String>),
    ),
> {
    let scheme = store::scheme(scheme).or_raise();
    let rows = store::distribution_at(&scheme, at);
    TableIterator::new(rows.into_iter().map(|(segment, clients, share, status)| {
        let share =
            share.map(|s| AnyNumeric::try_from(s.as_str()).expect("numeric text from PostgreSQL"));
        (segment, clients, share, status)
    }))
}

/// How many clients moved from each segment to each other between two moments, as the ledger
/// shows (unchanged pairs included; NULL: not categorized then, or no segment).
#[pg_extern(stable, strict)]
fn transitions(
    scheme: &str,
    from_time: TimestampWithTimeZone,
    to_time: TimestampWithTimeZone,
) -> TableIterator<
    'static,
    (
        name!(from_segment, Option<String>),
        name!(to_segment, Option<String>),
        name!(clients, i64),
    ),
> {
    let scheme = store::scheme(scheme).or_raise();
    TableIterator::new(store::transitions(&scheme, from_time, to_time))
}

/// Golden-set tests of a scheme: each case gives a client's answers and parameter values and
/// the segment it should get; the engine scores it with the scheme's configuration, writing
/// nothing. One row per case: its name, the expected and the actual segment, and whether they
/// agree.
#[allow(clippy::type_complexity)] // pgrx reads column names from name!() in the signature
#[pg_extern(stable, strict)]
fn check_scheme(
    scheme: &str,
    cases: pgrx::JsonB,
) -> TableIterator<
    'static,
    (
        name!(case_name, String),
        name!(expected, Option<String>),
        name!(actual, Option<String>),
        name!(passed, bool),
    ),
> {
    let rows = (|| -> Result<Vec<(String, Option<String>, Option<String>, bool)>> {
        let scheme = store::scheme(scheme)?;
        let level_sets = store::level_sets(scheme.scheme_id)?;
        let rules = store::rules(scheme.scheme_id)?;
        let selects_variants = store::variants::variant_column_now(scheme.scheme_id).is_some();
        let bad = |case: &str, problem: String| SegmentError::BadCase {
            case: case.to_string(),
            problem,
        };
        let Some(cases) = cases.0.as_array() else {
            return Err(bad("list", "cases must be a JSON array of cases".into()));
        };
        let mut out = Vec::with_capacity(cases.len());
        for (i, case) in cases.iter().enumerate() {
            let label = format!("{}", i + 1);
            let Some(fields) = case.as_object() else {
                return Err(bad(&label, "not a JSON object".into()));
            };
            if let Some(key) = fields.keys().find(|k| {
                !["name", "answers", "parameters", "variant", "expected"].contains(&k.as_str())
            }) {
                return Err(bad(&label, format!("unknown key \"{key}\"")));
            }
            let name = match fields.get("name") {
                None => label.clone(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(_) => return Err(bad(&label, "\"name\" is not a string".into())),
            };
            let case_label = format!("\"{name}\"");
            for list in ["answers", "parameters"] {
                if fields
                    .get(list)
                    .is_some_and(|v| !v.is_object() && !v.is_null())
                {
                    return Err(bad(&case_label, format!("\"{list}\" is not a JSON object")));
                }
            }
            let expected = match fields.get("expected") {
                Some(serde_json::Value::String(s)) => Some(s.clone()),
                Some(serde_json::Value::Null) => None,
                _ => {
                    return Err(bad(
                        &case_label,
                        "\"expected\" must be a segment name or null".into(),
                    ))
                }
            };
            let (inputs, unknown) = store::check_inputs(&scheme, case)?;
            if let Some(code) = unknown {
                return Err(bad(
                    &case_label,
                    format!(
                        "scheme \"{}\" has no question or parameter \"{code}\"",
                        scheme.name
                    ),
                ));
            }
            if let Some((input, problem)) = inputs.iter().find(|(_, p)| p.is_some()) {
                let problem = problem.clone().unwrap_or_default();
                return Err(bad(
                    &case_label,
                    format!("the value of \"{}\": {problem}", input.item),
                ));
            }
            let inputs: Vec<engine::ExplainInput> = inputs.into_iter().map(|(i, _)| i).collect();
            let (variant, matched) = case_variant(&scheme, selects_variants, fields, &case_label)?;
            let levels = levels_for(&level_sets, variant.as_deref());
            let actual = engine::assess(&inputs, levels, &rules, matched)?.and_then(|a| a.segment);
            let passed = actual == expected;
            out.push((name, expected, actual, passed));
        }
        Ok(out)
    })()
    .or_raise();
    TableIterator::new(rows)
}

/// The levels that segment a client of `variant` (None: the scheme's own): the variant's own
/// when it has some, else the scheme's.
fn levels_for<'s>(
    sets: &'s [(Option<String>, Vec<engine::Level>)],
    variant: Option<&str>,
) -> &'s [engine::Level] {
    sets.iter()
        .find(|(v, _)| v.as_deref() == variant)
        .or_else(|| sets.iter().find(|(v, _)| v.is_none()))
        .map(|(_, levels)| levels.as_slice())
        .unwrap_or(&[])
}

/// A golden-set case's variant (its "variant" key, the variant's code): the variant whose
/// levels segment it, and whether it has a variant where the scheme selects variants
/// (`selects_variants`; a case without one is segmented by no level, as a client whose column
/// matches no variant).
fn case_variant(
    scheme: &crate::entity::Scheme,
    selects_variants: bool,
    fields: &serde_json::Map<String, serde_json::Value>,
    case: &str,
) -> Result<(Option<String>, bool)> {
    match fields.get("variant") {
        None | Some(serde_json::Value::Null) => Ok((None, !selects_variants)),
        Some(serde_json::Value::String(code)) => {
            store::variants::variant_id(scheme, code)?;
            Ok((Some(code.clone()), true))
        }
        Some(_) => Err(SegmentError::BadCase {
            case: case.to_string(),
            problem: "\"variant\" must be a variant's code or null".into(),
        }),
    }
}

/// Recomputes every client of the scheme from scratch in the engine (answers, and parameters
/// evaluated anew) and returns the clients whose stored assignment (score, segment, number of
/// answered questions, status) disagrees. An empty result means the assignments are
/// consistent.
#[allow(clippy::type_complexity)] // pgrx reads column names from name!() in the signature
#[pg_extern(stable, strict)]
fn verify(
    scheme: &str,
) -> TableIterator<
    'static,
    (
        name!(client, String),
        name!(stored_score, Option<AnyNumeric>),
        name!(expected_score, Option<AnyNumeric>),
        name!(stored_segment, Option<String>),
        name!(expected_segment, Option<String>),
        name!(stored_answered, Option<i32>),
        name!(expected_answered, i32),
        name!(stored_status, Option<String>),
        name!(expected_status, Option<String>),
    ),
> {
    let rows = (|| -> Result<Vec<_>> {
        let scheme = store::live_scheme(scheme)?;
        let level_sets = store::level_sets(scheme.scheme_id)?;
        let rules = store::rules(scheme.scheme_id)?;
        let mut out = Vec::new();
        for client in store::all_client_inputs(&scheme)? {
            // each answer row counts, each option picked for a multiple-choice question too
            let answered: i64 = client
                .inputs
                .iter()
                .filter(|i| i.kind == engine::InputKind::Question)
                .map(|i| i64::from(i.answer_rows))
                .sum();
            let levels = levels_for(&level_sets, client.level_variant.as_deref());
            let expected = engine::assess(&client.inputs, levels, &rules, client.variant_matched)?
                .map(|a| (a.score, a.segment, a.status));
            let answered = i32::try_from(answered).unwrap_or(i32::MAX);
            let agrees = match (&client.stored, &expected) {
                (None, None) => true,
                (Some(s), Some((score, segment, status))) => {
                    s.score == Some(*score)
                        && &s.segment == segment
                        && s.answered == answered
                        && s.status.as_deref() == Some(*status)
                }
                _ => false,
            };
            if !agrees {
                let stored = client.stored;
                out.push((
                    client.client,
                    stored.as_ref().and_then(|s| s.score.map(to_numeric)),
                    expected.as_ref().map(|(e, _, _)| to_numeric(*e)),
                    stored.as_ref().and_then(|s| s.segment.clone()),
                    expected.as_ref().and_then(|(_, seg, _)| seg.clone()),
                    stored.as_ref().map(|s| s.answered),
                    answered,
                    stored.and_then(|s| s.status),
                    expected.map(|(_, _, status)| status.to_string()),
                ));
            }
        }
        Ok(out)
    })()
    .or_raise();
    TableIterator::new(rows)
}
