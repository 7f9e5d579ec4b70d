//! The direct write of a client's freshly evaluated parameters: an UPDATE of a client row
//! that changes a column some parameter reads. SQL evaluates the parameters (their
//! expressions are the definer's SQL); the assignment is then written as an answer's is,
//! without the statement that apply_parameters.sql would plan and start for one client.

use super::writer::{write_change, ScoreChange};
use crate::engine::model::parse_decimal;
use crate::engine::CompiledConfig;
use crate::entity::Entity;
use crate::error::Result;
use pgrx::datum::DatumWithOid;

/// Writes the weighted points `parameter_score` (text form, as evaluated) of the parameters of
/// scheme `scheme_id` into the assignment of `client` (the key, from the firing client row),
/// with its history row. Returns whether it did; false means nothing was written and the SQL
/// path must apply them.
///
/// Only the plain case is taken: READ COMMITTED; a client with an assignment that holds
/// parameter points already and no missing required parameter, none missing now either (the
/// caller's evaluation says so); segment tables the direct path writes as SQL would.
pub fn apply_client_parameters(
    entity: &Entity,
    config: &CompiledConfig,
    scheme_id: i32,
    parameter_score: &str,
    client: &DatumWithOid<'_>,
) -> Result<bool> {
    if !super::read_committed() {
        return Ok(false);
    }
    let (Some(datum), Some(scheme), Ok(parameter_score)) = (
        client.datum(),
        config.schemes.get(&scheme_id),
        parse_decimal(parameter_score),
    ) else {
        return Ok(false);
    };
    let change = ScoreChange::Parameters {
        scheme_id,
        version: scheme.version,
        parameter_score,
    };
    // SAFETY: inside the client table's trigger, whose statement has an active snapshot; the
    // key is a datum of the firing row, valid while the trigger runs.
    unsafe { write_change(entity, config, change, client.oid(), datum.sans_lifetime()) }
}
