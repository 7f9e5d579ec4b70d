//! Parameters: their configuration rows, and evaluating them.
//!
//! A parameter's expression runs with the rights of the role that defined it (`definer`),
//! whoever writes the row that triggers it: each definer's parameters are evaluated in one
//! statement as that role, which returns the values as text arrays (client, parameter,
//! value), and the points they give are applied by a second statement as the owner of the
//! entity's relations, which alone may write assignments. Both read under a snapshot taken now
//! (`latest`), so a re-segmentation, which runs after locking the client table, sees every
//! committed client row.

use super::configuration::insert_returning_id;
use super::latest;
use super::plans::{kept_plan, NO_TRANSITION_TABLES};
use super::query::{self, render};
use super::spi::{all_names, exists, ok, value};
use crate::entity::{Entity, Scheme};
use crate::error::{Result, SegmentError};
use crate::security::as_role;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::spi::Spi;
use pgrx::{PgOid, PgSqlErrorCode, PgTryBuilder};

/// Evaluated parameter values, one element per client and parameter: the client's key, the
/// parameter's id and its value, all in text form (NULL value: None).
#[derive(Default)]
pub struct ParameterValues {
    pub clients: Vec<Option<String>>,
    pub parameter_ids: Vec<Option<String>>,
    pub values: Vec<Option<String>>,
}

impl ParameterValues {
    fn extend(&mut self, mut other: ParameterValues) {
        self.clients.append(&mut other.clients);
        self.parameter_ids.append(&mut other.parameter_ids);
        self.values.append(&mut other.values);
    }

    /// The three arrays as statement arguments.
    pub fn arguments(&self) -> [pgrx::datum::DatumWithOid<'_>; 3] {
        [
            self.clients.clone().into(),
            self.parameter_ids.clone().into(),
            self.values.clone().into(),
        ]
    }
}

/// Whether a code names a question or a parameter of the scheme already: codes are unique
/// among both.
pub fn input_code_taken(scheme_id: i32, code: &str) -> bool {
    exists(
        "SELECT 1 FROM segment.questions WHERE scheme_id = $1 AND code = $2 \
         UNION ALL SELECT 1 FROM segment.parameters WHERE scheme_id = $1 AND code = $2",
        &[scheme_id.into(), code.into()],
    )
}

/// A new parameter; the table's BEFORE trigger checks the expression and records its definer,
/// type and columns. Without a position, after the scheme's last question or parameter.
#[allow(clippy::too_many_arguments)]
pub fn insert_parameter(
    scheme_id: i32,
    code: &str,
    label: &str,
    expression: &str,
    weight: &str,
    required: bool,
    position: Option<i32>,
) -> i32 {
    insert_returning_id(
        "INSERT INTO segment.parameters (scheme_id, code, label, expression, weight, required, position) \
         VALUES ($1, $2, $3, $4, $5::numeric, $6, COALESCE($7, \
                 (SELECT COALESCE(pg_catalog.max(position), 0) + 1 FROM \
                  (SELECT position FROM segment.questions WHERE scheme_id = $1 \
                   UNION ALL SELECT position FROM segment.parameters WHERE scheme_id = $1) p))) \
         RETURNING parameter_id",
        &[
            scheme_id.into(),
            code.into(),
            label.into(),
            expression.into(),
            weight.into(),
            required.into(),
            position.into(),
        ],
    )
}

/// The id of a parameter of the scheme; an unknown code is refused, listing the known ones.
pub fn parameter_id(scheme: &Scheme, code: &str) -> Result<i32> {
    let id = value::<i32>(
        "SELECT parameter_id FROM segment.parameters WHERE scheme_id = $1 AND code = $2",
        &[scheme.scheme_id.into(), code.into()],
    );
    id.ok_or_else(|| SegmentError::UnknownParameter {
        scheme: scheme.name.clone(),
        code: code.to_string(),
        known: all_names(
            "SELECT code FROM segment.parameters WHERE scheme_id = $1 ORDER BY position, code",
            &[scheme.scheme_id.into()],
        ),
    })
}

/// A new range of a parameter; bounds as text, so '-Infinity' and 'Infinity' pass as they
/// are. The table's BEFORE trigger refuses a non-numeric parameter and an overlap.
pub fn insert_range(parameter_id: i32, min: &str, max: &str, points: &str) -> i32 {
    insert_returning_id(
        "INSERT INTO segment.parameter_ranges (parameter_id, min_value, max_value, points) \
         VALUES ($1, $2::numeric, $3::numeric, $4::numeric) RETURNING range_id",
        &[parameter_id.into(), min.into(), max.into(), points.into()],
    )
}

pub fn match_taken(parameter_id: i32, value: &str) -> bool {
    exists(
        "SELECT 1 FROM segment.parameter_matches WHERE parameter_id = $1 AND value = $2",
        &[parameter_id.into(), value.into()],
    )
}

pub fn insert_match(parameter_id: i32, value: &str, points: &str) -> i32 {
    insert_returning_id(
        "INSERT INTO segment.parameter_matches (parameter_id, value, points) \
         VALUES ($1, $2, $3::numeric) RETURNING match_id",
        &[parameter_id.into(), value.into(), points.into()],
    )
}

pub fn delete_parameter(parameter_id: i32) {
    Spi::connect_mut(|c| {
        ok(c.update(
            "DELETE FROM segment.parameters WHERE parameter_id = $1",
            None,
            &[parameter_id.into()],
        ));
    })
}

/// The evaluation statement of some parameters (id, checked expression) over the entity's
/// client table: one row of three text arrays. `all_clients` false: only the clients whose
/// keys (text forms) $1 lists.
fn evaluation_sql(entity: &Entity, parameters: &[(i32, String)], all_clients: bool) -> String {
    let filter = if all_clients {
        ""
    } else {
        " WHERE segment_client.{{key_column}} = ANY (CAST($1 AS {{key_type}}[]))"
    };
    let head = "SELECT pg_catalog.array_agg(CAST(segment_client.{{key_column}} AS text)), \
                pg_catalog.array_agg(CAST(v.parameter_id AS text)), pg_catalog.array_agg(v.value) \
         FROM {{client_table}} AS segment_client CROSS JOIN LATERAL (VALUES ";
    let tail = format!(") AS v(parameter_id, value){filter}");
    // The expressions are spliced between the rendered head and tail, not rendered: they are
    // PostgreSQL's own re-print of a checked expression over the client table's columns
    // (store::expressions), never raw caller text, but a string constant in one may hold
    // anything, "{{" included.
    let values = parameters
        .iter()
        .map(|(id, expression)| format!("({id}, CAST(({expression}) AS text))"))
        .collect::<Vec<_>>()
        .join(", ");
    let parts = query::entity_parts(entity);
    format!("{}{values}{}", render(head, &parts), render(&tail, &parts))
}

/// The parameters of one definer: (id, checked expression, code) each.
struct DefinerParameters {
    definer: pg_sys::Oid,
    definer_name: String,
    parameters: Vec<(i32, String, String)>,
}

/// The parameters of a scheme grouped by definer, under a snapshot taken now.
fn parameters_by_definer(scheme_id: i32) -> Vec<DefinerParameters> {
    let rows = Spi::connect(|_| {
        latest::run(
            "SELECT definer::oid::text, definer::text, parameter_id, expression, code \
             FROM segment.parameters WHERE scheme_id = $1 ORDER BY definer::oid, parameter_id",
            &[scheme_id.into()],
            false,
        )
    });
    let mut groups: Vec<DefinerParameters> = Vec::new();
    for row in rows {
        let definer = pg_sys::Oid::from(latest::parse::<u32>(&row, 0).unwrap_or_default());
        let text = |i: usize| row[i].clone().unwrap_or_default();
        let parameter = (
            latest::parse::<i32>(&row, 2).unwrap_or_default(),
            text(3),
            text(4),
        );
        match groups.last_mut() {
            Some(group) if group.definer == definer => group.parameters.push(parameter),
            _ => groups.push(DefinerParameters {
                definer,
                definer_name: text(1),
                parameters: vec![parameter],
            }),
        }
    }
    groups
}

/// Whether the scheme has parameters (under a snapshot taken now).
pub fn scheme_has_parameters(scheme_id: i32) -> bool {
    !parameters_by_definer(scheme_id).is_empty()
}

/// Evaluates every parameter of a scheme for the clients `clients` lists (text forms; None:
/// every client of the table), each definer's parameters as that definer. A definer who may
/// no longer read what a parameter reads makes this fail with 42501 naming the parameters and
/// the role, never evaluate with another role's rights.
pub fn evaluate(entity: &Entity, scheme_id: i32, clients: Option<&[String]>) -> ParameterValues {
    let mut all = ParameterValues::default();
    for group in parameters_by_definer(scheme_id) {
        let expressions: Vec<(i32, String)> = group
            .parameters
            .iter()
            .map(|(id, expression, _)| (*id, expression.clone()))
            .collect();
        let sql = evaluation_sql(entity, &expressions, clients.is_none());
        let row = PgTryBuilder::new(|| {
            let args: Vec<pgrx::datum::DatumWithOid<'_>> = match clients {
                Some(keys) => vec![keys.to_vec().into()],
                None => Vec::new(),
            };
            as_role(group.definer, || {
                Spi::connect(|_| latest::first_row_text_arrays(&sql, &args))
            })
        })
        .catch_when(PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE, |caught| {
            let CaughtError::PostgresError(report) = &caught else {
                caught.rethrow()
            };
            let codes: Vec<&str> = group
                .parameters
                .iter()
                .map(|(_, _, c)| c.as_str())
                .collect();
            SegmentError::PermissionDenied {
                message: format!(
                    "parameters {} cannot be evaluated with the rights of their definer {}: {}",
                    codes.join(", "),
                    group.definer_name,
                    report.message()
                ),
                hint: "A parameter is evaluated with the rights of the role that defined it; \
                       grant that role again what the expression reads, or define the \
                       parameter anew as a role that may read it."
                    .into(),
            }
            .raise()
        })
        .execute();
        let mut columns = row.into_iter();
        let mut next = || columns.next().flatten().unwrap_or_default();
        all.extend(ParameterValues {
            clients: next(),
            parameter_ids: next(),
            values: next(),
        });
    }
    all
}

/// Tries a checked expression as `definer` on zero rows of the entity's client table, with
/// the client key beside it as evaluation reads it: a definer who may not read a column or
/// execute a function gets PostgreSQL's 42501 now, not at the first write.
pub fn trial_evaluation(entity: &Entity, expression: &str, definer: pg_sys::Oid) {
    let sql = evaluation_sql(entity, &[(0, expression.to_string())], true) + " WHERE false";
    as_role(definer, || {
        Spi::connect(|_| latest::first_row_text_arrays(&sql, &[]));
    });
}

/// Re-scores clients of the entity (text forms of their keys) in every scheme with
/// parameters: evaluated as each definer, applied as the owner of the entity's relations
/// (the caller's role). Returns how many assignments changed.
pub fn rescore_clients(entity: &Entity, clients: &[String]) -> i64 {
    let mut changed = 0;
    for scheme_id in parameter_scheme_ids(entity.entity_id) {
        let values = evaluate(entity, scheme_id, Some(clients));
        changed += apply_values(entity, scheme_id, &values, "client change");
    }
    changed
}

/// The schemes of an entity that have parameters.
fn parameter_scheme_ids(entity_id: i32) -> Vec<i32> {
    Spi::connect(|c| {
        ok(c.select(
            "SELECT DISTINCT p.scheme_id FROM segment.parameters p \
             JOIN segment.schemes s ON s.scheme_id = p.scheme_id \
             WHERE s.entity_id = $1 ORDER BY 1",
            None,
            &[entity_id.into()],
        ))
        .filter_map(|row| ok(row.get::<i32>(1)))
        .collect()
    })
}

/// Applies evaluated values of scheme `scheme_id` (apply_parameters.sql) with `cause`, then
/// removes the assignments left without any input. Returns how many assignments changed.
fn apply_values(entity: &Entity, scheme_id: i32, values: &ParameterValues, cause: &str) -> i64 {
    let sql = query::for_entity(query::APPLY_PARAMETERS, entity);
    Spi::connect_mut(|c| {
        let types = [
            pg_sys::INT4OID,
            pg_sys::TEXTOID,
            pg_sys::TEXTARRAYOID,
            pg_sys::TEXTARRAYOID,
            pg_sys::TEXTARRAYOID,
        ]
        .map(PgOid::from);
        let plan = kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, true);
        let [clients, ids, vals] = values.arguments();
        let args = [scheme_id.into(), cause.into(), clients, ids, vals];
        let row = ok(c.update(&*plan, None, &args));
        let (changed, emptied) = ok(row.first().get_two::<i64, Vec<String>>());
        super::answer_deltas::delete_emptied(c, entity, emptied);
        changed.unwrap_or(0)
    })
}

/// The keys (text forms) of the clients the running INSERT on a client table inserted, from
/// its transition table.
pub fn inserted_clients(
    entity: &Entity,
    trigger: &crate::firing::FiringTrigger<'_>,
) -> Vec<String> {
    let sql = query::for_entity(
        "SELECT pg_catalog.array_agg(CAST({{key_column}} AS text)) FROM segment_new_rows",
        entity,
    );
    Spi::connect(|c| {
        super::spi::register_transition_tables(trigger);
        ok(ok(c.select(sql.as_str(), None, &[]))
            .first()
            .get_one::<Vec<String>>())
        .unwrap_or_default()
    })
}
