//! Whole-scheme reads: the distribution of segments, the questionnaire, and the inputs
//! `segment.verify` recomputes every client from.

use super::query::{self, for_entity};
use super::spi::{decimal, ok, value};
use crate::engine::ExplainInput;
use crate::entity::Scheme;
use crate::error::Result;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::spi::Spi;
use rust_decimal::Decimal;

/// Assigned clients per segment and status: (segment, clients, share as text, status), in
/// level order, the NULL-segment rows (unsegmented, then incomplete) last.
pub fn distribution(scheme: &Scheme) -> Vec<(Option<String>, i64, Option<String>, String)> {
    let sql = for_entity(query::DISTRIBUTION, &scheme.entity);
    Spi::connect(|c| {
        ok(c.select(sql.as_str(), None, &[scheme.scheme_id.into()]))
            .map(|row| {
                (
                    ok(row.get(1)),
                    ok(row.get::<i64>(2)).unwrap_or_default(),
                    ok(row.get(3)),
                    ok(row.get::<String>(4)).unwrap_or_default(),
                )
            })
            .collect()
    })
}

/// The distinct scores of the scheme's assigned clients, ascending, as text, each with its
/// number of clients.
pub fn score_histogram(scheme: &Scheme) -> Vec<(String, i64)> {
    let sql = for_entity(query::SCORE_HISTOGRAM, &scheme.entity);
    Spi::connect(|c| {
        ok(c.select(sql.as_str(), None, &[scheme.scheme_id.into()]))
            .map(|row| {
                (
                    ok(row.get::<String>(1)).unwrap_or_default(),
                    ok(row.get::<i64>(2)).unwrap_or_default(),
                )
            })
            .collect()
    })
}

/// The scheme's ledger as of `moment` (a parameter of the statement), per client: its last
/// row written by then.
fn states_at(scheme: &Scheme, moment: &'static str) -> String {
    let mut parts = query::entity_parts(&scheme.entity).to_vec();
    parts.push(("moment", query::Part::Sql(moment)));
    query::render(query::STATES_AT, &parts)
}

/// A row of `distribution_at`: segment, clients, share as text, status ('scored' for a
/// segment, None for the NULL-segment row).
pub type PastDistributionRow = (Option<String>, i64, Option<String>, Option<String>);

/// `distribution` as the ledger shows it at `at`.
pub fn distribution_at(scheme: &Scheme, at: TimestampWithTimeZone) -> Vec<PastDistributionRow> {
    let states = states_at(scheme, "$2");
    let sql = query::render(
        query::DISTRIBUTION_AT,
        &[("states", query::Part::Sql(&states))],
    );
    Spi::connect(|c| {
        ok(c.select(sql.as_str(), None, &[scheme.scheme_id.into(), at.into()]))
            .map(|row| {
                (
                    ok(row.get(1)),
                    ok(row.get::<i64>(2)).unwrap_or_default(),
                    ok(row.get(3)),
                    ok(row.get(4)),
                )
            })
            .collect()
    })
}

/// How the scheme's clients moved between two moments: (segment at `from`, segment at `to`,
/// clients), unchanged pairs included.
pub fn transitions(
    scheme: &Scheme,
    from: TimestampWithTimeZone,
    to: TimestampWithTimeZone,
) -> Vec<(Option<String>, Option<String>, i64)> {
    let (before, after) = (states_at(scheme, "$2"), states_at(scheme, "$3"));
    let sql = query::render(
        query::TRANSITIONS,
        &[
            ("states_before", query::Part::Sql(&before)),
            ("states_after", query::Part::Sql(&after)),
        ],
    );
    Spi::connect(|c| {
        let args = [scheme.scheme_id.into(), from.into(), to.into()];
        ok(c.select(sql.as_str(), None, &args))
            .map(|row| {
                (
                    ok(row.get(1)),
                    ok(row.get(2)),
                    ok(row.get::<i64>(3)).unwrap_or_default(),
                )
            })
            .collect()
    })
}

/// The questionnaire filled in for one client: each question with the client's answer, and the
/// client's assignment.
pub fn questionnaire_for(scheme: &Scheme, client: crate::client_key::ClientKey) -> pgrx::JsonB {
    let key = super::clients::client_text(&scheme.entity, client);
    let variants = super::variants::VariantParts::listed(
        &scheme.entity,
        scheme.scheme_id,
        "NULL",
        Some(&key),
        3,
    );
    let mut parts = query::entity_parts(&scheme.entity).to_vec();
    variants.push(&mut parts);
    parts.push(("questionnaire", query::Part::Fragment(query::QUESTIONNAIRE)));
    parts.push((
        "variant",
        query::Part::Sql("(SELECT cv.variant_id FROM client_variants cv)"),
    ));
    let sql = query::render(query::QUESTIONNAIRE_FOR, &parts);
    let mut args = vec![scheme.scheme_id.into(), client.param()];
    args.extend(variants.arguments());
    let json = value::<pgrx::JsonB>(&sql, &args);
    json.expect("the scheme was looked up in this statement")
}

/// An input with a golden-set case's value, and what is wrong with the value (None: nothing).
pub type CaseInput = (ExplainInput, Option<String>);

/// The scheme's inputs with the values of one golden-set case (`check_inputs.sql`), each with
/// what is wrong with its value, if anything; and the first code the case names that is no
/// question (in "answers") or parameter (in "parameters") of the scheme.
pub fn check_inputs(
    scheme: &Scheme,
    case: &serde_json::Value,
) -> Result<(Vec<CaseInput>, Option<String>)> {
    let case = pgrx::JsonB(case.clone());
    let unknown = value::<String>(
        "SELECT k FROM ( \
             SELECT k FROM pg_catalog.jsonb_object_keys(COALESCE($2 -> 'answers', '{}')) k \
             WHERE NOT EXISTS (SELECT 1 FROM segment.questions q \
                               WHERE q.scheme_id = $1 AND q.code = k) \
             UNION ALL \
             SELECT k FROM pg_catalog.jsonb_object_keys(COALESCE($2 -> 'parameters', '{}')) k \
             WHERE NOT EXISTS (SELECT 1 FROM segment.parameters p \
                               WHERE p.scheme_id = $1 AND p.code = k)) u ORDER BY k LIMIT 1",
        &[scheme.scheme_id.into(), pgrx::JsonB(case.0.clone()).into()],
    );
    let inputs = Spi::connect(|c| {
        ok(c.select(
            query::CHECK_INPUTS,
            None,
            &[scheme.scheme_id.into(), case.into()],
        ))
        .map(|row| {
            let input = ExplainInput {
                position: ok(row.get::<i32>(1)).unwrap_or_default(),
                item: ok(row.get::<String>(2)).unwrap_or_default(),
                kind: super::clients::input_kind(ok(row.get::<String>(3)).as_deref()),
                weight: decimal(ok(row.get(4)))?.unwrap_or_default(),
                value: ok(row.get(5)),
                points: decimal(ok(row.get(6)))?,
                required: ok(row.get::<bool>(7)).unwrap_or(false),
                hidden: false,
                answer_rows: 0,
                group: ok(row.get::<String>(9)),
                values: ok(row.get::<Vec<String>>(10)).unwrap_or_default(),
                applicable: ok(row.get::<bool>(11)).unwrap_or(true),
            };
            Ok((input, ok(row.get::<String>(8))))
        })
        .collect::<Result<Vec<_>>>()
    })?;
    Ok((inputs, unknown))
}

/// Every question with its options, in display order, as the JSON a questionnaire renders: of
/// the whole scheme, or of one variant (its id).
pub fn questionnaire(scheme: &Scheme, variant_id: Option<i32>) -> pgrx::JsonB {
    let sql = query::render(
        query::QUESTIONNAIRE,
        &[("variant", query::Part::Sql("CAST($2 AS integer)"))],
    );
    let json = value::<pgrx::JsonB>(&sql, &[scheme.scheme_id.into(), variant_id.into()]);
    json.expect("the scheme was looked up in this statement")
}

/// A client with answers, a parameter value or an assignment in a scheme, for the engine to
/// recompute from scratch.
pub struct ClientInputs {
    pub client: String,
    /// The stored assignment, None when the client has none.
    pub stored: Option<StoredAssignment>,
    pub inputs: Vec<ExplainInput>,
    /// false for a client of a scheme with variants whose column matches none
    pub variant_matched: bool,
    /// the variant whose levels segment the client (None: the scheme's)
    pub level_variant: Option<String>,
}

/// What an assignment row holds, as verify compares it.
#[derive(Clone)]
pub struct StoredAssignment {
    pub score: Option<Decimal>,
    pub segment: Option<String>,
    pub answered: i32,
    pub status: Option<String>,
}

/// Every client of a scheme with its inputs, parameters evaluated now (as their definers).
pub fn all_client_inputs(scheme: &Scheme) -> Result<Vec<ClientInputs>> {
    let values = super::parameters::evaluate(&scheme.entity, scheme.scheme_id, None);
    let variants = super::variants::VariantParts::listed(
        &scheme.entity,
        scheme.scheme_id,
        "cv.variant_id",
        None,
        6,
    );
    let mut parts = query::entity_parts(&scheme.entity).to_vec();
    variants.push(&mut parts);
    let sql = query::render(query::VERIFY_INPUTS, &parts);
    let [clients, ids, vals] = values.arguments();
    // Every client is read: the joins hash, never loop (a verify right after the benchmark's
    // COPY of 1,000,000 answers, planned with nested loops, ran for over half an hour).
    crate::security::with_hash_joins(|| {
        read_client_inputs(&sql, clients, ids, vals, scheme, &variants)
    })
}

/// The rows of verify_inputs.sql, grouped by client (see `all_client_inputs`).
fn read_client_inputs<'a>(
    sql: &str,
    clients: pgrx::datum::DatumWithOid<'a>,
    ids: pgrx::datum::DatumWithOid<'a>,
    vals: pgrx::datum::DatumWithOid<'a>,
    scheme: &Scheme,
    variants: &super::variants::VariantParts,
) -> Result<Vec<ClientInputs>> {
    Spi::connect(|c| {
        let mut out: Vec<ClientInputs> = Vec::new();
        let mut args = vec![
            scheme.scheme_id.into(),
            Option::<String>::None.into(),
            clients,
            ids,
            vals,
        ];
        args.extend(variants.arguments());
        for row in ok(c.select(sql, None, &args)) {
            pgrx::check_for_interrupts!();
            let client: String = ok(row.get(1)).unwrap_or_default();
            if out.last().map(|l| l.client != client).unwrap_or(true) {
                let stored = if ok(row.get::<bool>(2)).unwrap_or(false) {
                    Some(StoredAssignment {
                        score: decimal(ok(row.get(3)))?,
                        segment: ok(row.get(4)),
                        answered: ok(row.get::<i32>(10)).unwrap_or_default(),
                        status: ok(row.get(13)),
                    })
                } else {
                    None
                };
                out.push(ClientInputs {
                    client: client.clone(),
                    stored,
                    inputs: Vec::new(),
                    variant_matched: ok(row.get::<bool>(18)).unwrap_or(true),
                    level_variant: ok(row.get::<String>(19)),
                });
            }
            out.last_mut()
                .expect("pushed above")
                .inputs
                .push(ExplainInput {
                    position: ok(row.get::<i32>(5)).unwrap_or_default(),
                    item: ok(row.get::<String>(6)).unwrap_or_default(),
                    kind: super::clients::input_kind(ok(row.get::<String>(11)).as_deref()),
                    weight: decimal(ok(row.get(7)))?.unwrap_or_default(),
                    value: ok(row.get(8)),
                    points: decimal(ok(row.get(9)))?,
                    required: ok(row.get::<bool>(12)).unwrap_or(false),
                    hidden: false,
                    answer_rows: ok(row.get::<i32>(14)).unwrap_or_default(),
                    group: ok(row.get::<String>(15)),
                    values: ok(row.get::<Vec<String>>(16)).unwrap_or_default(),
                    applicable: ok(row.get::<bool>(17)).unwrap_or(true),
                });
        }
        Ok(out)
    })
}
