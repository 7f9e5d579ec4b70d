//! Whole-scheme reads: the distribution of segments, the questionnaire, and the inputs
//! `segment.verify` recomputes every client from.

use super::query::{self, for_entity};
use super::spi::{decimal, ok, value};
use crate::engine::{ExplainInput, InputKind};
use crate::entity::Scheme;
use crate::error::Result;
use pgrx::spi::Spi;
use rust_decimal::Decimal;

/// Assigned clients per segment: (segment, clients, share as text), in level order, the
/// unsegmented (NULL) row last.
pub fn distribution(scheme: &Scheme) -> Vec<(Option<String>, i64, Option<String>)> {
    let sql = for_entity(query::DISTRIBUTION, &scheme.entity);
    Spi::connect(|c| {
        ok(c.select(sql.as_str(), None, &[scheme.scheme_id.into()]))
            .map(|row| {
                (
                    ok(row.get(1)),
                    ok(row.get::<i64>(2)).unwrap_or_default(),
                    ok(row.get(3)),
                )
            })
            .collect()
    })
}

/// Every question with its options, in display order, as the JSON a questionnaire renders.
pub fn questionnaire(scheme: &Scheme) -> pgrx::JsonB {
    let json = value::<pgrx::JsonB>(query::QUESTIONNAIRE, &[scheme.scheme_id.into()]);
    json.expect("the scheme was looked up in this statement")
}

/// A client with answers or an assignment in a scheme, for the engine to recompute from
/// scratch.
pub struct ClientAnswers {
    pub client: String,
    /// Stored (score, segment, answered count), None when the client has no assignment.
    pub stored: Option<(Option<Decimal>, Option<String>, i32)>,
    pub inputs: Vec<ExplainInput>,
}

pub fn all_clients_with_answers(scheme: &Scheme) -> Result<Vec<ClientAnswers>> {
    let sql = for_entity(query::VERIFY_INPUTS, &scheme.entity);
    Spi::connect(|c| {
        let mut out: Vec<ClientAnswers> = Vec::new();
        for row in ok(c.select(sql.as_str(), None, &[scheme.scheme_id.into()])) {
            pgrx::check_for_interrupts!();
            let client: String = ok(row.get(1)).unwrap_or_default();
            if out.last().map(|l| l.client != client).unwrap_or(true) {
                let stored = if ok(row.get::<bool>(2)).unwrap_or(false) {
                    Some((
                        decimal(ok(row.get(3)))?,
                        ok(row.get(4)),
                        ok(row.get::<i32>(10)).unwrap_or_default(),
                    ))
                } else {
                    None
                };
                out.push(ClientAnswers {
                    client: client.clone(),
                    stored,
                    inputs: Vec::new(),
                });
            }
            let option: Option<String> = ok(row.get(8));
            let points = decimal(ok(row.get(9)))?;
            out.last_mut()
                .expect("pushed above")
                .inputs
                .push(ExplainInput {
                    position: ok(row.get::<i32>(5)).unwrap_or_default(),
                    item: ok(row.get::<String>(6)).unwrap_or_default(),
                    kind: InputKind::Question,
                    weight: decimal(ok(row.get(7)))?.unwrap_or_default(),
                    answer: option.zip(points),
                });
        }
        Ok(out)
    })
}
