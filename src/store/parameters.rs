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
use super::keys::in_keys;
use super::latest;
use super::plans::{kept_plan, NO_TRANSITION_TABLES};
use super::query::{self, render};
use super::spi::{all_names, exists, ok, regclass_arg, register_transition_tables, value};
use crate::cache::BackendCache;
use crate::entity::{Entity, Scheme};
use crate::error::{OrRaise, Result, SegmentError};
use crate::firing::FiringTrigger;
use crate::security::{as_definer, role_exists, row_security_applies};
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::spi::Spi;
use pgrx::{PgOid, PgSqlErrorCode, PgTryBuilder};
use std::cell::Cell;
use std::rc::Rc;

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
/// `related`: the related table and its column that holds the client's key.
#[allow(clippy::too_many_arguments)]
pub fn insert_parameter(
    scheme_id: i32,
    code: &str,
    label: &str,
    expression: &str,
    weight: &str,
    required: bool,
    position: Option<i32>,
    related: Option<(pg_sys::Oid, &str)>,
) -> i32 {
    let source = related.map(|(oid, _)| regclass_arg(oid));
    insert_returning_id(
        "INSERT INTO segment.parameters (scheme_id, code, label, expression, weight, required, \
                                         position, source, client_column) \
         VALUES ($1, $2, $3, $4, $5::numeric, $6, COALESCE($7, \
                 (SELECT COALESCE(pg_catalog.max(position), 0) + 1 FROM \
                  (SELECT position FROM segment.questions WHERE scheme_id = $1 \
                   UNION ALL SELECT position FROM segment.parameters WHERE scheme_id = $1) p)), \
                 $8, $9) \
         RETURNING parameter_id",
        &[
            scheme_id.into(),
            code.into(),
            label.into(),
            expression.into(),
            weight.into(),
            required.into(),
            position.into(),
            source.unwrap_or_else(|| Option::<pg_sys::Oid>::None.into()),
            related.map(|(_, column)| column).into(),
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

/// Whether a match of the value exists, in the form it would be stored in (a number
/// parameter's without trailing zeros: '3.00' is taken by '3'); 22023 for a value that can
/// never be the parameter's.
pub fn match_taken(parameter_id: i32, value: &str) -> bool {
    exists(
        "SELECT 1 FROM segment.parameter_matches \
         WHERE parameter_id = $1 AND value = segment._parameter_value_text($1, $2)",
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

/// A related table a parameter aggregates, and its column that holds the client's key.
#[derive(Clone)]
pub struct RelatedTable {
    pub oid: pg_sys::Oid,
    /// printed by regclass under the pinned search path (qualified, quoted)
    pub name: String,
    pub client_column: String,
}

/// A parameter as evaluation needs it.
struct Evaluated {
    id: i32,
    code: String,
    /// PostgreSQL's re-print of the checked expression
    expression: String,
    related: Option<RelatedTable>,
    scoring: Scoring,
}

/// What a parameter's value is worth, as configured (numbers in text form, exactly as stored).
#[derive(Default)]
struct Scoring {
    weight: String,
    required: bool,
    /// the parameter's place in display order (position, then code, as the database sorts)
    display_rank: i64,
    /// whether the value is a number, which ranges apply to
    numeric: bool,
    /// whether it is an integer or a `numeric`, whose text form is its `numeric` value's: its
    /// points can be found from the number, with no text form in between (a float's text
    /// form has more digits than its cast to `numeric`)
    exact: bool,
    /// (value, points)
    matches: Vec<(String, String)>,
    /// (min_value, max_value, points)
    ranges: Vec<(String, String, String)>,
}

impl Scoring {
    /// The points of the value in text form `value` (an SQL expression): NULL when missing.
    /// With `as_number` the value is a `numeric` (`Scoring::exact`), matched in its text form.
    fn points_of(&self, value: &str, as_number: bool) -> String {
        let literal = |text: &str| format!("CAST({} AS numeric)", pgrx::spi::quote_literal(text));
        let (text, number) = if as_number {
            (
                format!("CAST(pg_catalog.trim_scale({value}) AS text)"),
                value.to_string(),
            )
        } else {
            (value.to_string(), format!("CAST({value} AS numeric)"))
        };
        // byte equality, as parameter_points.sql compares (in the database's collation, which is
        // deterministic), whatever collation the expression's column has
        let text = format!("({text}) COLLATE \"C\"");
        let mut cases = String::new();
        for (matched, points) in &self.matches {
            cases.push_str(&format!(
                " WHEN {text} = {} THEN {}",
                pgrx::spi::quote_literal(matched),
                literal(points)
            ));
        }
        if self.numeric {
            for (min, max, points) in &self.ranges {
                cases.push_str(&format!(
                    " WHEN {} <= {number} AND {number} < {} THEN {}",
                    literal(min),
                    literal(max),
                    literal(points)
                ));
            }
        }
        if cases.is_empty() {
            "CAST(NULL AS numeric)".into()
        } else {
            format!("CASE{cases} END")
        }
    }
}

/// Which clients an evaluation covers.
#[derive(Clone, Copy)]
enum Clients<'a> {
    /// every client of the table
    All,
    /// a few clients (at most `ROW_LOCKED_CLIENTS`), whose keys (text forms) the argument `$n`
    /// lists: compared with `= ANY`, which a kept generic plan turns into index scans of the
    /// client and related tables (its estimate of a list it cannot see is 10 keys either way,
    /// but a semi-join with 10 keys was planned as a hash join over sequential scans of
    /// tables of a few thousand rows, which under SERIALIZABLE also predicate-locked those
    /// tables whole)
    Few(usize),
    /// one client, whose key (text form) the argument `$n` holds as a one-element list: as
    /// `Few`, with each related table's rows aggregated by a lateral subquery
    One(usize),
    /// many clients, whose keys the argument `$n` lists: a semi-join with the list, planned
    /// with its real length (a hash of a million keys, where `= ANY` of a parameter would
    /// search the array for every row)
    Listed(usize),
    /// the clients whose related rows the running statement touched (`Touched`)
    Touched(&'a Touched),
}

impl Clients<'_> {
    /// Whether the evaluation is a bulk one: all but a few clients' is planned afresh with
    /// what it covers, under the bulk settings (`as_evaluating`); a few clients' is kept.
    fn bulk(self) -> bool {
        !matches!(self, Clients::Few(_) | Clients::One(_))
    }
}

/// The rows of a related table a statement touched: its transition tables (registered in the
/// SPI connection that runs the evaluation), read by the columns that hold the client's key.
pub struct Touched {
    columns: Vec<String>,
    new_rows: bool,
    old_rows: bool,
}

impl Touched {
    /// The distinct values of the client columns in the transition tables (a UNION).
    fn values_sql(&self) -> String {
        let mut parts = Vec::new();
        for column in &self.columns {
            let column = pgrx::spi::quote_identifier(column);
            if self.new_rows {
                parts.push(format!("SELECT {column} FROM segment_new_rows"));
            }
            if self.old_rows {
                parts.push(format!("SELECT {column} FROM segment_old_rows"));
            }
        }
        parts.join(" UNION ")
    }
}

/// The evaluation of some parameters over the entity's client table: `listed`, the CTE
/// `segment_listed` of the keys of the clients evaluated (empty when every client is),
/// followed by a comma; `from`, the client table (`segment_client`) joined with the related
/// tables' aggregates; `filter`, the WHERE clause that keeps the listed clients of it;
/// `values`, each parameter's value as text over `from`.
///
/// A client-row parameter is its expression over the client's row. A related-table
/// parameter is its aggregate over the client's related rows: for one client, by a lateral
/// subquery; else computed for all clients at once with a GROUP BY (restricted to
/// the listed clients' rows), where a client without related rows gets the aggregate over no
/// rows (count 0, sum NULL), computed once.
struct Evaluation<'a> {
    parameters: &'a [Evaluated],
    /// whether `Scoring::exact` values are `numeric` rather than text (`is_number`)
    numbers: bool,
    /// the client table's key column, qualified
    key: String,
    listed: String,
    from: String,
    filter: String,
    values: Vec<String>,
}

impl<'a> Evaluation<'a> {
    /// `numbers`: the values of parameters whose value is `Scoring::exact` are `numeric`, not
    /// text.
    fn new(
        entity: &Entity,
        parameters: &'a [Evaluated],
        clients: Clients<'_>,
        numbers: bool,
    ) -> Evaluation<'a> {
        // A value as the statement carries it: a `numeric`, or text. An integer's or a
        // `numeric`'s text form is its `numeric` value's without trailing zeros, whatever the
        // scale of its column (a `numeric(10,2)` 3 is '3', as a match or a forced level on it
        // is written).
        let cast = |p: &Evaluated, expression: &str| {
            if value_is_number(numbers, p) {
                format!("CAST(({expression}) AS numeric)")
            } else if p.scoring.exact {
                format!("CAST(pg_catalog.trim_scale(CAST(({expression}) AS numeric)) AS text)")
            } else {
                format!("CAST(({expression}) AS text)")
            }
        };
        let parts = query::entity_parts(entity);
        let key = render("segment_client.{{key_column}}", &parts);
        let listed = match clients {
            Clients::All | Clients::Few(_) | Clients::One(_) => String::new(),
            Clients::Listed(argument) => render(
                &format!(
                    "segment_listed AS (SELECT CAST(k AS {{{{key_type}}}}) AS client_id \
                     FROM pg_catalog.unnest(CAST(${argument} AS text[])) AS k), "
                ),
                &parts,
            ),
            Clients::Touched(touched) => {
                render(
                    "segment_listed AS (SELECT segment_client.{{key_column}} AS client_id \
                     FROM {{client_table}} AS segment_client \
                     WHERE segment_client.{{key_column}} IN (",
                    &parts,
                ) + &touched.values_sql()
                    + ")), "
            }
        };
        let in_listed = match clients {
            Clients::Few(argument) | Clients::One(argument) => {
                in_keys(entity, &format!("${argument}"))
            }
            _ => "IN (SELECT client_id FROM segment_listed)".to_string(),
        };
        let all_clients = matches!(clients, Clients::All);
        // One client's related rows are aggregated by a lateral subquery, which always gives
        // one row (over no rows too: count 0, sum NULL): a kept plan of an aggregate over an
        // index scan, less to start on every write than the grouped join. (Not for a few: a
        // related table without an index would be read once per client.)
        let lateral = matches!(clients, Clients::One(_));
        let mut from = render("{{client_table}} AS segment_client", &parts);
        // The expressions are spliced between rendered pieces, never rendered themselves:
        // they are PostgreSQL's own re-print of a checked expression (store::expressions),
        // never raw caller text, but a string constant in one may hold anything, "{{"
        // included.
        //
        // The parameters over one related table by one client column share one aggregation of
        // its rows (one GROUP BY with a column per parameter), named after the first of them.
        let mut aggregations: Vec<(&RelatedTable, Vec<&Evaluated>)> = Vec::new();
        for p in parameters {
            if let Some(r) = &p.related {
                match aggregations
                    .iter_mut()
                    .find(|(a, _)| a.oid == r.oid && a.client_column == r.client_column)
                {
                    Some((_, members)) => members.push(p),
                    None => aggregations.push((r, vec![p])),
                }
            }
        }
        let alias_of = |p: &Evaluated| {
            let first = aggregations
                .iter()
                .find(|(_, members)| members.iter().any(|m| m.id == p.id))
                .map_or(p.id, |(_, members)| members[0].id);
            format!("segment_related_{first}")
        };
        for (r, members) in &aggregations {
            let alias = alias_of(members[0]);
            let column = pgrx::spi::quote_identifier(&r.client_column);
            let filter = if all_clients {
                String::new()
            } else {
                format!(" WHERE {column} {in_listed}")
            };
            let aggregates: Vec<String> = members
                .iter()
                .map(|p| {
                    format!(
                        "{} AS \"pg_segment value {}\"",
                        cast(p, &p.expression),
                        p.id
                    )
                })
                .collect();
            if lateral {
                from.push_str(&format!(
                    " CROSS JOIN LATERAL (SELECT {} FROM {} WHERE {column} = {key}) AS {alias}",
                    aggregates.join(", "),
                    r.name
                ));
                continue;
            }
            // (column names no client table is likely to have: a client-row expression beside
            // it names the client's columns unqualified)
            from.push_str(&format!(
                " LEFT JOIN (SELECT {column} AS \"pg_segment key\", {} \
                 FROM {}{filter} GROUP BY {column}) AS {alias} \
                 ON {alias}.\"pg_segment key\" = ",
                aggregates.join(", "),
                r.name
            ));
            from.push_str(&key);
        }
        let values = parameters
            .iter()
            .map(|p| match &p.related {
                None => cast(p, &p.expression),
                Some(_) if lateral => format!("{}.\"pg_segment value {}\"", alias_of(p), p.id),
                Some(r) => {
                    let alias = alias_of(p);
                    format!(
                        "CASE WHEN {alias}.\"pg_segment key\" IS NULL \
                         THEN ({}) ELSE {alias}.\"pg_segment value {}\" END",
                        over_no_rows(&cast(p, &p.expression), r),
                        p.id
                    )
                }
            })
            .collect();
        let filter = if all_clients {
            String::new()
        } else {
            format!(" WHERE {key} {in_listed}")
        };
        Evaluation {
            parameters,
            numbers,
            key,
            listed,
            from,
            filter,
            values,
        }
    }

    /// Whether the value of `p` is a `numeric` here (else text).
    fn is_number(&self, p: &Evaluated) -> bool {
        value_is_number(self.numbers, p)
    }

    /// The CTEs `segment_listed` and `parameter_values` (client_id in the key's type,
    /// parameter_id, value as text): one row per client and parameter, as parameter_points.sql
    /// reads them.
    fn values_ctes(&self) -> String {
        let rows: Vec<String> = self
            .parameters
            .iter()
            .zip(&self.values)
            .map(|(p, value)| format!("({}, {value})", p.id))
            .collect();
        format!(
            "{}parameter_values AS (SELECT {} AS client_id, v.parameter_id, v.value FROM {} \
             CROSS JOIN LATERAL (VALUES {}) AS v(parameter_id, value){})",
            self.listed,
            self.key,
            self.from,
            rows.join(", "),
            self.filter
        )
    }

    /// The CTEs `segment_listed` and `parameter_sums` (client_id, parameter_score, missing),
    /// as parameter_points.sql defines them, one row per client, with the parameters' points,
    /// weights and required flags written into the statement: a value equal to a match is
    /// worth its points, else a numeric parameter's value inside a range that range's points;
    /// a NULL value or one that matches nothing is missing. (The same rules as
    /// parameter_points.sql, which `segment.verify` applies: the two are checked against each
    /// other.)
    fn sums_ctes(&self) -> String {
        let parameters = self.parameters;
        let mut values = Vec::new();
        let mut points = Vec::new();
        let mut contributions = Vec::new();
        let mut any_value = Vec::new();
        let mut required: Vec<(usize, &Evaluated)> = Vec::new();
        for (i, (p, value)) in parameters.iter().zip(&self.values).enumerate() {
            values.push(format!("{value} AS v{i}"));
            points.push(format!(
                "{} AS p{i}",
                p.scoring.points_of(&format!("v{i}"), self.is_number(p))
            ));
            contributions.push(format!(
                "COALESCE(CAST({} AS numeric) * p{i}, 0)",
                pgrx::spi::quote_literal(&p.scoring.weight)
            ));
            any_value.push(format!("v{i} IS NOT NULL"));
            if p.scoring.required {
                required.push((i, p));
            }
        }
        required.sort_by_key(|(_, p)| p.scoring.display_rank);
        let missing = if required.is_empty() {
            "CAST(NULL AS text[])".to_string()
        } else {
            let codes: Vec<String> = required
                .iter()
                .map(|(i, p)| {
                    format!(
                        "CASE WHEN p{i} IS NULL THEN {} END",
                        pgrx::spi::quote_literal(&p.code)
                    )
                })
                .collect();
            format!(
                "NULLIF(pg_catalog.array_remove(CAST(ARRAY[{}] AS text[]), NULL), '{{}}')",
                codes.join(", ")
            )
        };
        let value_columns: Vec<String> = (0..parameters.len()).map(|i| format!("v{i}")).collect();
        // (OFFSET 0 keeps each layer a layer: the planner would otherwise copy a value's
        // expression into every place that reads it, and evaluate it as many times)
        format!(
            "{}parameter_sums AS (SELECT client_id, \
             CASE WHEN {} THEN pg_catalog.trim_scale({}) END AS parameter_score, \
             {missing} AS missing \
             FROM (SELECT client_id, {}, {} FROM \
                   (SELECT {} AS client_id, {} FROM {}{} OFFSET 0) segment_values \
                   OFFSET 0) segment_points)",
            self.listed,
            any_value.join(" OR "),
            contributions.join(" + "),
            value_columns.join(", "),
            points.join(", "),
            self.key,
            values.join(", "),
            self.from,
            self.filter,
        )
    }
}

/// Whether an evaluation made with `numbers` gives `p`'s value as a `numeric` (else text).
fn value_is_number(numbers: bool, p: &Evaluated) -> bool {
    numbers && p.scoring.exact
}

/// The evaluation statement of some parameters: one row of three text arrays (client key,
/// parameter id, value), one element per client and parameter (`Evaluation::values_ctes`);
/// `$1` lists the clients unless all are evaluated (`clients`).
fn evaluation_sql(entity: &Entity, parameters: &[Evaluated], clients: Clients<'_>) -> String {
    format!(
        "WITH {} SELECT pg_catalog.array_agg(CAST(client_id AS text)), \
         pg_catalog.array_agg(CAST(parameter_id AS text)), pg_catalog.array_agg(value) \
         FROM parameter_values",
        Evaluation::new(entity, parameters, clients, false).values_ctes()
    )
}

/// The clients `keys` list as the statement's argument `$argument`: a few (`Clients::Few`)
/// or many (`Clients::Listed`).
fn listed_clients(keys: &[String], argument: usize) -> Clients<'static> {
    if many(keys.len()) {
        Clients::Listed(argument)
    } else {
        Clients::Few(argument)
    }
}

/// One definer's parameters of a scheme.
struct DefinerParameters {
    definer: pg_sys::Oid,
    definer_name: String,
    parameters: Vec<Evaluated>,
    /// `evaluate_client`'s statement, built on its first use, with the names of the client
    /// table, key column and key type it spells (`ClientNames`): an entity renamed since
    /// gets a statement of its own. It goes with the entry it belongs to (see PARAMETERS).
    one_client_sql: OneClientSql,
}

/// `DefinerParameters::one_client_sql`: set once, with a whole value, or not at all (an error
/// while the statement is built leaves the cell empty), so a group seen again after an error
/// caught in `as_evaluating` is as consistent as before it.
#[derive(Default)]
struct OneClientSql(std::cell::OnceCell<(ClientNames, String)>);

impl std::panic::RefUnwindSafe for OneClientSql {}

impl DefinerParameters {
    /// The parameters' codes, for messages.
    fn codes(&self) -> String {
        let codes: Vec<&str> = self.parameters.iter().map(|p| p.code.as_str()).collect();
        codes.join(", ")
    }
}

/// Refuses to evaluate parameters whose definer row security shows only some rows of the
/// client table or of a related table: a client hidden from the definer would be scored as if
/// it had no value, and what is hidden may depend on the session's settings. (Run as the
/// definer.)
fn check_definer_sees_every_row(entity: &Entity, group: &DefinerParameters) {
    let tables = std::iter::once((entity.client_table_oid, entity.client_table.as_str())).chain(
        group
            .parameters
            .iter()
            .filter_map(|p| p.related.as_ref().map(|r| (r.oid, r.name.as_str()))),
    );
    for (relid, name) in tables {
        if row_security_applies(relid) {
            SegmentError::RowSecurityForDefiner {
                table: name.to_string(),
                definer: group.definer_name.clone(),
                parameters: group.codes(),
            }
            .raise();
        }
    }
}

/// The parameters of a scheme grouped by definer, with their points, under a snapshot taken
/// now.
fn parameters_by_definer(scheme_id: i32) -> Vec<DefinerParameters> {
    let (rows, matches, ranges) = Spi::connect(|_| {
        let run = |sql: &str| latest::run(sql, &[scheme_id.into()], false);
        (
            run(
                "SELECT definer::oid::text, definer::text, parameter_id, expression, code, \
                        source::text, client_column, source::oid::text, weight::text, \
                        required::text, \
                        pg_catalog.row_number() OVER (ORDER BY position, code)::text, \
                        (value_type IN ('smallint'::regtype, 'integer'::regtype, \
                                        'bigint'::regtype, 'numeric'::regtype))::text, \
                        (value_type IN ('real'::regtype, 'double precision'::regtype))::text \
                 FROM segment.parameters WHERE scheme_id = $1 \
                 ORDER BY definer::oid, parameter_id",
            ),
            run("SELECT m.parameter_id::text, m.value, m.points::text \
                 FROM segment.parameter_matches m JOIN segment.parameters p USING (parameter_id) \
                 WHERE p.scheme_id = $1 ORDER BY m.parameter_id, m.match_id"),
            run(
                "SELECT r.parameter_id::text, r.min_value::text, r.max_value::text, \
                        r.points::text \
                 FROM segment.parameter_ranges r JOIN segment.parameters p USING (parameter_id) \
                 WHERE p.scheme_id = $1 ORDER BY r.parameter_id, r.min_value",
            ),
        )
    });
    let mut groups: Vec<DefinerParameters> = Vec::new();
    for row in rows {
        let definer = pg_sys::Oid::from(latest::parse::<u32>(&row, 0).unwrap_or_default());
        let text = |i: usize| row[i].clone().unwrap_or_default();
        let id = latest::parse::<i32>(&row, 2).unwrap_or_default();
        let of_this = |r: &&Vec<Option<String>>| latest::parse::<i32>(r, 0) == Some(id);
        let column = |r: &Vec<Option<String>>, i: usize| r[i].clone().unwrap_or_default();
        let parameter = Evaluated {
            id,
            expression: text(3),
            code: text(4),
            related: row[5].clone().map(|name| RelatedTable {
                oid: pg_sys::Oid::from(latest::parse::<u32>(&row, 7).unwrap_or_default()),
                name,
                client_column: text(6),
            }),
            scoring: Scoring {
                weight: text(8),
                required: text(9) == "true",
                display_rank: latest::parse::<i64>(&row, 10).unwrap_or_default(),
                // (the types parameter_points.sql calls numeric)
                numeric: text(11) == "true" || text(12) == "true",
                exact: text(11) == "true",
                matches: matches
                    .iter()
                    .filter(of_this)
                    .map(|r| (column(r, 1), column(r, 2)))
                    .collect(),
                ranges: ranges
                    .iter()
                    .filter(of_this)
                    .map(|r| (column(r, 1), column(r, 2), column(r, 3)))
                    .collect(),
            },
        };
        match groups.last_mut() {
            Some(group) if group.definer == definer => group.parameters.push(parameter),
            _ => groups.push(DefinerParameters {
                definer,
                definer_name: text(1),
                parameters: vec![parameter],
                one_client_sql: OneClientSql::default(),
            }),
        }
    }
    groups
}

thread_local! {
    /// Each scheme's parameters grouped by definer, as evaluation needs them, with the
    /// configuration generation they were read at (`compiled::generation`). Invalidation: every
    /// configuration change (parameters, ranges and matches included) bumps that generation in
    /// every backend; an entry of an older generation is read again. A relcache invalidation of
    /// a related table an entry reads (rename, SET SCHEMA, ALTER, DROP) drops the entry: it
    /// holds the table's name, which the evaluation statements spell. Bound: `MAX_SCHEMES`.
    static PARAMETERS: BackendCache<i32, (u64, Rc<Vec<DefinerParameters>>)> =
        BackendCache::new(MAX_SCHEMES);
    /// Relcache invalidations seen (`forget_relation`): an entry read while one arrived may
    /// hold a name from before it, and is not kept.
    static RELATION_INVALIDATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Drops the cached parameters that read relation `relid` (InvalidOid: every entry). Runs
/// inside invalidation processing: drops state, never queries.
pub fn forget_relation(relid: pg_sys::Oid) {
    RELATION_INVALIDATIONS.with(|n| n.set(n.get() + 1));
    let reads = |groups: &[DefinerParameters]| {
        groups.iter().any(|g| {
            g.parameters
                .iter()
                .any(|p| p.related.as_ref().is_some_and(|r| r.oid == relid))
        })
    };
    PARAMETERS.with(|c| c.retain(|_, (_, groups)| relid != pg_sys::InvalidOid && !reads(groups)));
}

/// Far more schemes than a database defines.
const MAX_SCHEMES: usize = 1024;

/// The parameters of a scheme grouped by definer, from the cache when it is current.
fn parameters_of(scheme_id: i32) -> Rc<Vec<DefinerParameters>> {
    super::compiled::watch_schemes_table();
    super::compiled::accept_invalidations();
    let generation = super::compiled::generation();
    if let Some((read_at, parameters)) = PARAMETERS.with(|c| c.get(&scheme_id)) {
        if read_at == generation {
            return parameters;
        }
    }
    let invalidations = RELATION_INVALIDATIONS.with(Cell::get);
    let parameters = Rc::new(parameters_by_definer(scheme_id));
    // kept only if no configuration change, and no change of any relation, arrived while it
    // was read
    super::compiled::accept_invalidations();
    if super::compiled::generation() == generation
        && RELATION_INVALIDATIONS.with(Cell::get) == invalidations
    {
        PARAMETERS.with(|c| c.insert(scheme_id, (generation, parameters.clone())));
    }
    parameters
}

/// Whether the scheme has parameters.
pub fn scheme_has_parameters(scheme_id: i32) -> bool {
    !parameters_of(scheme_id).is_empty()
}

/// Evaluates every parameter of a scheme for the clients `clients` lists (text forms; None:
/// every client of the table), each definer's parameters as that definer. A definer who may
/// no longer read what a parameter reads makes this fail with 42501 naming the parameters and
/// the role, never evaluate with another role's rights.
pub fn evaluate(entity: &Entity, scheme_id: i32, clients: Option<&[String]>) -> ParameterValues {
    let mut all = ParameterValues::default();
    for group in parameters_of(scheme_id).iter() {
        let covered = clients.map_or(Clients::All, |keys| listed_clients(keys, 1));
        let sql = evaluation_sql(entity, &group.parameters, covered);
        let bulk = covered.bulk();
        let args: Vec<pgrx::datum::DatumWithOid<'_>> = match clients {
            Some(keys) => vec![keys.to_vec().into()],
            None => Vec::new(),
        };
        let row = as_evaluating(entity, group, bulk, || {
            Spi::connect(|_| {
                // a trigger's few clients, on every write: one generic plan is kept; a
                // bulk statement's many are planned afresh with the list's real size (the
                // generic plan is made for a list of a few)
                if bulk {
                    latest::first_row_text_arrays(&sql, &args)
                } else {
                    latest::first_row_text_arrays_kept(&sql, &args)
                }
            })
        });
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

/// Runs `f`, which evaluates `group`'s parameters, as their definer (`as_definer`), after
/// checking that the definer still exists and sees every row it reads; `bulk`: for many
/// clients. An error of the definer's expression is reported naming the parameters and the
/// definer, with its own SQLSTATE (a missing privilege as 42501 with a hint); a deadlock, a
/// serialization failure, a cancellation or a lack of resources passes as it is.
fn as_evaluating<R>(
    entity: &Entity,
    group: &DefinerParameters,
    bulk: bool,
    f: impl FnOnce() -> R,
) -> R {
    if !role_exists(group.definer) {
        SegmentError::DefinerGone {
            parameters: group.codes(),
            definer: group.definer.to_u32(),
        }
        .raise();
    }
    // (the evaluation's own state is dropped with the transaction an error aborts)
    let f = std::panic::AssertUnwindSafe(f);
    PgTryBuilder::new(move || {
        as_definer(group.definer, || {
            check_definer_sees_every_row(entity, group);
            if bulk {
                // Many clients: the related tables' aggregates are joined by hash (a COPY of
                // 1,000,000 orders ran for over 15 minutes with a nested loop that aggregated
                // the related table again for every client). A plan with a disabled node is
                // costed ten billion higher, which passes every JIT threshold: compiling it
                // with inlining and optimization took a second of a 2.2-second refresh of
                // 200,000 clients, and saved less than that; the bulk settings turn JIT off.
                crate::security::set_hash_join_settings();
            }
            f()
        })
    })
    .catch_others(|caught| {
        let CaughtError::PostgresError(report) = &caught else {
            caught.rethrow()
        };
        let code = report.sql_error_code();
        if not_the_expressions_fault(code) {
            caught.rethrow()
        }
        if code == PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE {
            SegmentError::PermissionDenied {
                message: format!(
                    "parameters {} cannot be evaluated with the rights of their definer {}: {}",
                    group.codes(),
                    group.definer_name,
                    report.message()
                ),
                hint: "A parameter is evaluated with the rights of the role that defined it; \
                       grant that role again what the expression reads, or define the \
                       parameter anew as a role that may read it."
                    .into(),
            }
            .raise()
        }
        // any other error of the definer's expression, named, with its own SQLSTATE
        SegmentError::EvaluationFailed {
            parameters: group.codes(),
            definer: group.definer_name.clone(),
            code,
            message: report.message().to_string(),
        }
        .raise()
    })
    .execute()
}

/// Errors that say nothing about an expression: concurrency (class 40: serialization failure,
/// deadlock), resources (53), a lock not available (55), a cancellation or a timeout (57).
fn not_the_expressions_fault(code: PgSqlErrorCode) -> bool {
    // the class is a code's first two characters, its low twelve bits (ERRCODE_TO_CATEGORY)
    let class = |code: PgSqlErrorCode| code as isize & 0xFFF;
    [
        PgSqlErrorCode::ERRCODE_TRANSACTION_ROLLBACK,
        PgSqlErrorCode::ERRCODE_INSUFFICIENT_RESOURCES,
        PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        PgSqlErrorCode::ERRCODE_OPERATOR_INTERVENTION,
    ]
    .iter()
    .any(|&category| class(category) == class(code))
}

/// Tries a checked expression as `definer` on zero rows of the entity's client table (and of
/// its related table), with the client key beside it as evaluation reads it: a definer who may
/// not read a column or execute a function gets PostgreSQL's 42501 now, not at the first
/// write. The statement selects no client but is planned and started in full, so every
/// function's EXECUTE right is checked.
pub fn trial_evaluation(
    entity: &Entity,
    code: &str,
    expression: &str,
    related: Option<RelatedTable>,
    definer: pg_sys::Oid,
) {
    let group = DefinerParameters {
        definer,
        definer_name: role_name(definer),
        parameters: vec![Evaluated {
            id: 0,
            code: code.to_string(),
            expression: expression.to_string(),
            related,
            scoring: Scoring::default(),
        }],
        one_client_sql: OneClientSql::default(),
    };
    let sql = evaluation_sql(entity, &group.parameters, Clients::Few(1));
    let zero_rows = group.parameters[0]
        .related
        .as_ref()
        .map(|r| over_no_rows(&format!("CAST(({expression}) AS text)"), r));
    as_definer(definer, || {
        check_definer_sees_every_row(entity, &group);
        Spi::connect(|_| {
            latest::first_row_text_arrays(&sql, &[Vec::<String>::new().into()]);
            // the aggregate over no rows, which every client without related rows gets (an
            // expression that divides by count(*) fails here, not at the first such client)
            if let Some(zero_rows) = &zero_rows {
                latest::run(zero_rows, &[], false);
            }
        });
    });
}

/// A related parameter's aggregate over no rows of its table (`value`, the aggregate cast as
/// the statement carries it): what a client without related rows gets.
fn over_no_rows(value: &str, related: &RelatedTable) -> String {
    format!("SELECT {value} FROM {} WHERE false", related.name)
}

/// How `rescore_clients` makes sure no other writer evaluates the same clients meanwhile.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ClientLock {
    /// the firing statement wrote the client rows: they are locked already (or new)
    Held,
    /// lock them first: a few row by row, many by a lock of the client table
    Take,
}

/// Re-scores clients of the entity (text forms of their keys) in every scheme with
/// parameters: evaluated as each definer, applied as the owner of the entity's relations
/// (the caller's role) with `cause`. Returns how many assignments changed.
///
/// The clients are locked before they are evaluated (`lock`), so that two writers of one
/// client's data (its row, its related rows, its answers) take turns, and the second
/// evaluates what the first committed. A few clients are locked row by row, FOR NO KEY UPDATE
/// in key order; many (a bulk statement's) by one lock of the client table (EXCLUSIVE: reads
/// go on, writers and row lockers wait), rather than by writing a lock into every client row.
/// Under REPEATABLE READ a client the transaction's snapshot cannot lock (committed since)
/// fails the write with 40001.
pub fn rescore_clients(entity: &Entity, clients: &[String], cause: &str, lock: ClientLock) -> i64 {
    prepare_to_apply(entity);
    if lock == ClientLock::Take {
        lock_clients(entity, clients);
    }
    parameter_scheme_ids(entity.entity_id)
        .into_iter()
        .map(|scheme_id| rescore_scheme_clients(entity, scheme_id, clients, cause))
        .sum()
}

/// After an answers statement on the entity: the clients it answered for (text forms of their
/// keys), locked as `rescore_clients` locks them, re-scored in every scheme with parameters
/// (see the answers trigger) and in every ruled scheme (whose answers no delta scores).
/// Returns how many assignments changed.
pub fn rescore_answered(entity: &Entity, clients: &[String], cause: &str) -> i64 {
    let config = super::compiled::get().or_raise();
    let schemes = config.entity_schemes(
        config.parameter_schemes.iter().chain(&config.ruled_schemes),
        entity.entity_id,
    );
    if schemes.is_empty() || clients.is_empty() {
        return 0;
    }
    prepare_to_apply(entity);
    lock_clients(entity, clients);
    schemes
        .into_iter()
        .map(|scheme_id| rescore_scheme_clients(entity, scheme_id, clients, cause))
        .sum()
}

/// `rescore_clients` for one scheme with parameters (or a ruled one), after
/// `prepare_to_apply` and with the clients' rows locked.
pub fn rescore_scheme_clients(
    entity: &Entity,
    scheme_id: i32,
    clients: &[String],
    cause: &str,
) -> i64 {
    if super::resegment::is_ruled(scheme_id) {
        return super::resegment::recompute_ruled(entity, scheme_id, Some(clients), cause);
    }
    match evaluated_by_applier(entity, scheme_id) {
        Some(group) => apply_evaluated(
            entity,
            scheme_id,
            &group[0],
            listed_clients(clients, 3),
            Some(clients),
            None,
            cause,
        ),
        None => {
            let values = evaluate(entity, scheme_id, Some(clients));
            apply_values(entity, scheme_id, &values, cause, many(clients.len()))
        }
    }
}

/// The names an evaluation statement spells for the entity's client table.
struct ClientNames {
    client_table: String,
    key_column: String,
    key_type: String,
}

impl ClientNames {
    fn of(entity: &Entity) -> ClientNames {
        ClientNames {
            client_table: entity.client_table.clone(),
            key_column: entity.key_column.clone(),
            key_type: entity.key_type.clone(),
        }
    }

    /// Whether the entity's names are still these (compared in place: this runs on every
    /// single-client evaluation).
    fn are_those_of(&self, entity: &Entity) -> bool {
        self.client_table == entity.client_table
            && self.key_column == entity.key_column
            && self.key_type == entity.key_type
    }
}

/// A client's parameters of one scheme evaluated anew, for the direct write
/// (`direct::apply_client_parameters`).
pub struct FreshParameters {
    /// their weighted points in text form, as apply_parameters.sql would write them; None
    /// when none of them has a value
    pub parameter_score: Option<String>,
    /// whether a required one has no points
    pub missing: bool,
}

/// Evaluates the parameters of scheme `scheme_id` for the one client `key` (text form) with
/// a kept statement that writes nothing, under a snapshot taken now (after
/// `prepare_to_apply`, with the client's row locked); None when the role applying them did not
/// define them all (they are then evaluated as their definers by the SQL path).
pub fn evaluate_client(entity: &Entity, scheme_id: i32, key: &str) -> Option<FreshParameters> {
    let groups = evaluated_by_applier(entity, scheme_id)?;
    let group = &groups[0];
    let build = || {
        let sums = Evaluation::new(entity, &group.parameters, Clients::One(1), true).sums_ctes();
        format!(
            "WITH {sums} SELECT ARRAY[CAST(parameter_score AS text), \
             CAST(missing IS NOT NULL AS text)] FROM parameter_sums"
        )
    };
    let (built_for, kept) = group
        .one_client_sql
        .0
        .get_or_init(|| (ClientNames::of(entity), build()));
    let rebuilt;
    let sql = if built_for.are_those_of(entity) {
        kept
    } else {
        rebuilt = build();
        &rebuilt
    };
    let args: [pgrx::datum::DatumWithOid<'_>; 1] = [vec![key.to_string()].into()];
    let rows = as_evaluating(entity, group, false, || {
        Spi::connect(|_| latest::first_row_text_arrays_kept(sql, &args))
    });
    let values = rows.into_iter().next().flatten().unwrap_or_default();
    Some(FreshParameters {
        parameter_score: values.first().cloned().flatten(),
        missing: values.get(1).cloned().flatten().as_deref() == Some("true"),
    })
}

/// A scheme's parameters when the role that applies their points (the owner of the entity's
/// relations) defined them all: then they are evaluated and applied in one statement
/// (`apply_evaluated`), their values never leaving the server's executor. Parameters of other
/// definers are evaluated as each of them first (`evaluate`) and applied after.
fn evaluated_by_applier(entity: &Entity, scheme_id: i32) -> Option<Rc<Vec<DefinerParameters>>> {
    let groups = parameters_of(scheme_id);
    (groups.len() == 1 && groups[0].definer == entity.owner).then_some(groups)
}

/// Evaluates the parameters of scheme `scheme_id` (`group`: all of them, defined by the role
/// applying them) for `clients` and applies their points with `cause`, in one statement under
/// a snapshot taken now; `keys` are the listed clients' (`$3`), `trigger` the
/// statement whose transition tables `Clients::Touched` reads. Returns how many assignments
/// changed.
fn apply_evaluated(
    entity: &Entity,
    scheme_id: i32,
    group: &DefinerParameters,
    clients: Clients<'_>,
    keys: Option<&[String]>,
    trigger: Option<&FiringTrigger<'_>>,
    cause: &str,
) -> i64 {
    let sums = Evaluation::new(entity, &group.parameters, clients, true).sums_ctes();
    let mut parts = query::entity_parts(entity).to_vec();
    parts.push(("parameter_sums", query::Part::Sql(&sums)));
    let sql = render(query::APPLY_PARAMETERS, &parts);
    let mut args: Vec<pgrx::datum::DatumWithOid<'_>> = vec![scheme_id.into(), cause.into()];
    if let Some(keys) = keys {
        args.push(keys.to_vec().into());
    }
    // a trigger's few clients run one kept generic plan; many are planned with their number
    let bulk = clients.bulk();
    let (changed, emptied) = as_evaluating(entity, group, bulk, || {
        Spi::connect_mut(|_| {
            if let Some(trigger) = trigger {
                register_transition_tables(trigger);
            }
            latest::write_returning_pair::<i64, Vec<String>>(&sql, &args, !bulk)
        })
    });
    Spi::connect_mut(|c| super::answer_deltas::delete_emptied(c, entity, emptied));
    changed.unwrap_or(0)
}

/// What every application of evaluated parameters starts with: the answers locked as a writer
/// of answers locks them, so that a re-segmentation (which locks them against writers) either
/// waits for this write or is waited for and its levels are seen; the firing statement's rows
/// made visible to the snapshot the evaluation takes, as an SPI statement that writes would;
/// and under REPEATABLE READ, a configuration committed since the snapshot refused (40001).
pub fn prepare_to_apply(entity: &Entity) {
    super::clients::lock_answers_for_writing(entity);
    // SAFETY: makes the running statement's own writes visible to later snapshots.
    unsafe { pg_sys::CommandCounterIncrement() };
    if super::answer_deltas::isolation_uses_transaction_snapshot() {
        super::answer_deltas::check_configuration_current(entity).or_raise();
    }
}

/// Locks the clients (see `rescore_clients`).
pub(super) fn lock_clients(entity: &Entity, clients: &[String]) {
    if many(clients.len()) {
        lock_client_table(entity);
        return;
    }
    let sql = over_listed_clients(
        entity,
        "SELECT pg_catalog.count(*) FROM (SELECT 1 FROM {{client_table}} AS segment_client \
         WHERE segment_client.{{key_column}} {{in_keys}} \
         ORDER BY segment_client.{{key_column}} FOR NO KEY UPDATE OF segment_client) locked",
    );
    let locked = Spi::connect_mut(|c| {
        let plan = kept_plan(
            c,
            NO_TRANSITION_TABLES,
            &sql,
            &[PgOid::from(pg_sys::TEXTARRAYOID)],
            true,
        );
        ok(ok(c.update(&*plan, None, &[clients.to_vec().into()]))
            .first()
            .get_one::<i64>())
        .unwrap_or(0)
    });
    if super::answer_deltas::isolation_uses_transaction_snapshot()
        && locked < clients.len() as i64
        && existing_now(entity, clients) > locked
    {
        SegmentError::ClientsChangedSinceSnapshot {
            table: entity.client_table.clone(),
        }
        .raise();
    }
}

/// How many of the clients exist under a snapshot taken now. Under REPEATABLE READ a client
/// the transaction's snapshot could not lock either was inserted by another transaction since
/// (it exists now: the write must fail with 40001) or is gone (this transaction deleted it,
/// its answers going with it: nothing is left to score).
fn existing_now(entity: &Entity, clients: &[String]) -> i64 {
    let sql = over_listed_clients(
        entity,
        "SELECT pg_catalog.count(*) FROM {{client_table}} AS segment_client \
         WHERE segment_client.{{key_column}} {{in_keys}}",
    );
    Spi::connect(|_| {
        latest::run(&sql, &[clients.to_vec().into()], false)
            .first()
            .and_then(|row| latest::parse::<i64>(row, 0))
            .unwrap_or(0)
    })
}

/// A statement over the clients whose keys (text forms) are `$1`: `template` names the
/// entity's parts and {{in_keys}}, the test of a key against that list.
fn over_listed_clients(entity: &Entity, template: &str) -> String {
    let in_keys = in_keys(entity, "$1");
    let mut parts = query::entity_parts(entity).to_vec();
    parts.push(("in_keys", query::Part::Sql(&in_keys)));
    render(template, &parts)
}

/// Locks the client table against writers and row lockers (EXCLUSIVE: reads go on), as a bulk
/// statement's many clients are locked.
fn lock_client_table(entity: &Entity) {
    // SAFETY: a table lock, held to transaction end; it needs no privilege (the rows are only
    // kept from changing, as the statement that fired wrote related data of them).
    unsafe {
        pg_sys::LockRelationOid(
            entity.client_table_oid,
            pg_sys::ExclusiveLock as pg_sys::LOCKMODE,
        )
    };
}

/// After a statement on a related table some parameter of the entity aggregates: the clients
/// whose related rows it inserted, updated (before or after) or deleted are locked (FOR NO KEY
/// UPDATE, in key order) and re-scored. The lock makes two writers of related rows of one
/// client take turns: the second evaluates after the first committed, under a snapshot taken
/// then, so neither's rows are left out of the other's sum. A TRUNCATE re-scores every client.
pub fn rescore_related(
    entity: &Entity,
    trigger: &FiringTrigger<'_>,
    relid: pg_sys::Oid,
    op: TableChange,
) {
    let columns = client_columns_reading(entity, relid);
    if columns.is_empty() {
        return;
    }
    if op == TableChange::Truncate {
        refresh_entity(entity, "related change");
        return;
    }
    let touched = Touched {
        columns,
        new_rows: op != TableChange::Delete,
        old_rows: op != TableChange::Insert,
    };
    let schemes = parameter_scheme_ids(entity.entity_id);
    // Many clients, every scheme's parameters defined by the applying role: the client table is
    // locked and each scheme's parameters evaluated and applied straight from the transition
    // tables, no client listed here.
    if many_clients_touched(trigger, &touched) {
        // (before the parameters are read: a configuration change committed meanwhile is
        // seen, as its re-segmentation waits for this lock or was waited for)
        prepare_to_apply(entity);
        // (a ruled scheme's clients are listed: it recomputes them from scratch)
        let groups: Option<Vec<_>> = schemes
            .iter()
            .map(|&scheme_id| {
                evaluated_by_applier(entity, scheme_id)
                    .filter(|_| !super::resegment::is_ruled(scheme_id))
            })
            .collect();
        if let Some(groups) = groups {
            lock_client_table(entity);
            for (&scheme_id, group) in schemes.iter().zip(groups) {
                apply_evaluated(
                    entity,
                    scheme_id,
                    &group[0],
                    Clients::Touched(&touched),
                    None,
                    Some(trigger),
                    "related change",
                );
            }
            return;
        }
    }
    // Every client the statement touched, as committed now (under REPEATABLE READ too: one
    // committed after the transaction's snapshot then fails the lock with 40001 rather than
    // go unscored).
    let sql = format!(
        "{} IN ({})",
        query::for_entity(
            "SELECT CAST(segment_client.{{key_column}} AS text) FROM {{client_table}} AS segment_client \
             WHERE segment_client.{{key_column}}",
            entity,
        ),
        touched.values_sql()
    );
    let clients: Vec<String> = Spi::connect_mut(|_| {
        register_transition_tables(trigger);
        latest::first_column(&latest::run(&sql, &[], false))
    });
    if !clients.is_empty() {
        rescore_clients(entity, &clients, "related change", ClientLock::Take);
    }
}

/// Whether a statement on a related table touched more than `ROW_LOCKED_CLIENTS` clients:
/// more rows than that in its transition tables, and as many distinct client column values.
fn many_clients_touched(trigger: &FiringTrigger<'_>, touched: &Touched) -> bool {
    if !many(trigger.transition_rows() as usize) {
        return false;
    }
    let sql = format!(
        "SELECT pg_catalog.count(*) FROM ({} LIMIT {}) touched",
        touched.values_sql(),
        ROW_LOCKED_CLIENTS + 1
    );
    let distinct = Spi::connect_mut(|_| {
        register_transition_tables(trigger);
        latest::first_column::<usize>(&latest::run(&sql, &[], false))
    });
    distinct.first().is_some_and(|&n| many(n))
}

/// Above this many clients touched by one statement on a related table, the client table is
/// locked instead of each client's row.
const ROW_LOCKED_CLIENTS: usize = 1000;

/// Whether this many clients make a bulk statement: locked by a table lock, evaluated and
/// applied with plans made for their number rather than kept ones.
pub(super) fn many(clients: usize) -> bool {
    clients > ROW_LOCKED_CLIENTS
}

/// What a statement did to a related table.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TableChange {
    Insert,
    Update,
    Delete,
    Truncate,
}

/// The client columns by which the entity's parameters read a related table (as committed
/// now: a parameter committed after a REPEATABLE READ snapshot is not missed, and the
/// configuration check that follows refuses the write).
fn client_columns_reading(entity: &Entity, relid: pg_sys::Oid) -> Vec<String> {
    latest::first_column(&Spi::connect(|_| {
        latest::run(
            "SELECT DISTINCT p.client_column::text FROM segment.parameters p \
             JOIN segment.schemes s ON s.scheme_id = p.scheme_id \
             WHERE p.source = $1 AND s.entity_id = $2 AND s.draft_of IS NULL ORDER BY 1",
            &[regclass_arg(relid), entity.entity_id.into()],
            false,
        )
    }))
}

/// The entities whose parameters aggregate a related table (as committed now).
pub fn entities_reading(relid: pg_sys::Oid) -> Vec<i32> {
    latest::first_column(&Spi::connect(|_| {
        latest::run(
            "SELECT DISTINCT s.entity_id FROM segment.parameters p \
             JOIN segment.schemes s ON s.scheme_id = p.scheme_id \
             WHERE p.source = $1 AND s.draft_of IS NULL ORDER BY 1",
            &[regclass_arg(relid)],
            false,
        )
    }))
}

/// Locks the tables a scheme's parameters read against writers (SHARE ROW EXCLUSIVE): the
/// client table, then the related tables in OID order. A re-evaluation of every client after
/// the locks (under a snapshot taken then) misses no committed write, and no writer's trigger
/// can evaluate a client meanwhile and commit a value the re-evaluation overwrites.
pub fn lock_parameter_tables(entity: &Entity, scheme_id: i32) {
    let sources = latest::first_column::<u32>(&Spi::connect(|_| {
        latest::run(
            "SELECT DISTINCT source::oid FROM segment.parameters \
             WHERE scheme_id = $1 AND source IS NOT NULL ORDER BY 1",
            &[scheme_id.into()],
            false,
        )
    }));
    let sources: Vec<pg_sys::Oid> = sources.into_iter().map(pg_sys::Oid::from).collect();
    lock_client_and_sources(entity, &sources);
}

/// Locks the entity's client table, then `sources` (related tables, in ascending OID order),
/// against writers (SHARE ROW EXCLUSIVE), as `lock_parameter_tables` does.
pub fn lock_client_and_sources(entity: &Entity, sources: &[pg_sys::Oid]) {
    // (taken through the lock manager: the maintaining role needs no write right on a related
    // table to keep it from changing for the duration)
    for &relid in std::iter::once(&entity.client_table_oid).chain(sources) {
        // SAFETY: a table lock, held to transaction end.
        unsafe {
            pg_sys::LockRelationOid(relid, pg_sys::ShareRowExclusiveLock as pg_sys::LOCKMODE)
        };
    }
}

/// Re-evaluates every parameter of every client of a scheme, set-based, after locking the
/// tables they read; returns how many assignments changed. Runs as the owner of the entity's
/// relations.
pub fn refresh_scheme(entity: &Entity, scheme_id: i32, cause: &str) -> i64 {
    lock_parameter_tables(entity, scheme_id);
    prepare_to_apply(entity);
    if super::resegment::ruled_now(scheme_id) {
        return super::resegment::recompute_ruled(entity, scheme_id, None, cause);
    }
    if let Some(group) = evaluated_by_applier(entity, scheme_id) {
        return apply_evaluated(
            entity,
            scheme_id,
            &group[0],
            Clients::All,
            None,
            None,
            cause,
        );
    }
    let values = evaluate(entity, scheme_id, None);
    apply_values(entity, scheme_id, &values, cause, true)
}

/// `refresh_scheme` for every scheme of the entity with parameters.
fn refresh_entity(entity: &Entity, cause: &str) -> i64 {
    parameter_scheme_ids(entity.entity_id)
        .into_iter()
        .map(|scheme_id| refresh_scheme(entity, scheme_id, cause))
        .sum()
}

/// The schemes of an entity that have parameters, from the compiled configuration.
pub fn parameter_scheme_ids(entity_id: i32) -> Vec<i32> {
    parameter_schemes_in(&super::compiled::get().or_raise(), entity_id)
}

/// The schemes of an entity that read its client rows: those with parameters and those whose
/// variants a client column selects, from the compiled configuration, in id order.
pub fn client_row_scheme_ids(entity_id: i32) -> Vec<i32> {
    let config = super::compiled::get().or_raise();
    config.entity_schemes(
        config
            .parameter_schemes
            .iter()
            .chain(config.variant_columns.keys()),
        entity_id,
    )
}

/// The schemes of an entity that have parameters in a compiled configuration.
fn parameter_schemes_in(config: &crate::engine::CompiledConfig, entity_id: i32) -> Vec<i32> {
    config.entity_schemes(&config.parameter_schemes, entity_id)
}

/// Applies evaluated values of scheme `scheme_id` (apply_parameters.sql) with `cause`, then
/// removes the assignments left without any input. Returns how many assignments changed.
fn apply_values(
    entity: &Entity,
    scheme_id: i32,
    values: &ParameterValues,
    cause: &str,
    bulk: bool,
) -> i64 {
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
        let [clients, ids, vals] = values.arguments();
        let args = [scheme_id.into(), cause.into(), clients, ids, vals];
        // a few clients' values run a kept plan; many are planned afresh with the arrays'
        // real sizes, as the answers' set-based statements are
        let row = if bulk {
            let plan = ok(c.prepare_mut(sql.as_str(), &types));
            ok(c.update(&plan, None, &args))
        } else {
            let plan = kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, true);
            ok(c.update(&*plan, None, &args))
        };
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

/// A role's name as regrole prints it.
fn role_name(role: pg_sys::Oid) -> String {
    // SAFETY: an OID passed as the regrole that holds it.
    let arg = unsafe { pgrx::datum::DatumWithOid::new(role, pg_sys::REGROLEOID) };
    value::<String>("SELECT CAST($1 AS text)", &[arg]).unwrap_or_default()
}

/// Whether any scheme of the entity has parameters, from the compiled configuration.
pub fn entity_has_parameters(entity_id: i32) -> bool {
    super::compiled::get().is_ok_and(|config| !parameter_schemes_in(&config, entity_id).is_empty())
}

/// The clients (text forms of their keys) whose answers the running answers statement
/// wrote or removed.
pub fn answered_clients(trigger: &FiringTrigger<'_>) -> Vec<String> {
    let mut parts = Vec::new();
    if !trigger.new_table().is_null() {
        parts.push("SELECT client_id FROM segment_new_rows");
    }
    if !trigger.old_table().is_null() {
        parts.push("SELECT client_id FROM segment_old_rows");
    }
    if parts.is_empty() {
        return Vec::new();
    }
    // (each client once: a bulk statement's rows name a client many times)
    let sql = format!(
        "SELECT pg_catalog.array_agg(CAST(client_id AS text)) \
         FROM (SELECT DISTINCT client_id FROM ({}) rows) touched",
        parts.join(" UNION ALL ")
    );
    // (keys printed as every session parses them back: ISO dates, UTC, exact floats)
    crate::security::with_value_settings(|| {
        Spi::connect(|c| {
            register_transition_tables(trigger);
            ok(ok(c.select(sql.as_str(), None, &[]))
                .first()
                .get_one::<Vec<String>>())
            .unwrap_or_default()
        })
    })
}

/// Why a relation cannot be the source of a parameter, if it cannot: only an ordinary or a
/// partitioned table of the database's own (a view or a foreign table has no triggers that
/// see its changes; a temporary table is one session's).
pub fn unsuitable_source(relid: pg_sys::Oid) -> Option<String> {
    value::<String>(
        "SELECT CASE WHEN c.relkind NOT IN ('r', 'p') THEN 'it is not a table' \
                     WHEN c.relpersistence = 't' THEN 'it is a temporary table' END \
         FROM pg_catalog.pg_class c WHERE c.oid = $1",
        &[regclass_arg(relid)],
    )
}

/// The index to create when the evaluation of a few clients would read the whole of `related`
/// to find their rows, None when an index serves it: the planner, with sequential scans ruled
/// out, still plans one for the condition those evaluations filter the table with (no index on
/// the client column, or a column of another type than the key that the comparison casts).
/// Run as the parameter's definer, whose rights the evaluations use.
pub fn index_for_related_rows(
    entity: &Entity,
    related: &RelatedTable,
    definer: pg_sys::Oid,
) -> Option<String> {
    let column = pgrx::spi::quote_identifier(&related.client_column);
    // an empty list the planner cannot see through, as a kept plan's argument
    let keys = in_keys(entity, "ARRAY(SELECT CAST(NULL AS text) WHERE false)");
    let explain = format!(
        "EXPLAIN (COSTS OFF) SELECT 1 FROM {} WHERE {column} {keys}",
        related.name
    );
    let scans_whole_table = as_definer(definer, || {
        crate::security::set_for_evaluation(c"enable_seqscan", c"off");
        Spi::connect(|c| {
            let plan: Vec<String> = ok(c.select(&explain, None, &[]))
                .filter_map(|line| ok(line.get::<String>(1)))
                .collect();
            // a sequential scan, or an index scanned whole (no Index Cond of its own: what
            // the planner does to avoid a sequential scan when no index fits)
            let count = |what: &str| plan.iter().filter(|line| line.contains(what)).count();
            count("Seq Scan") > 0
                || count("Index Cond:")
                    < count("Index Scan using")
                        + count("Index Only Scan using")
                        + count("Bitmap Index Scan on")
        })
    });
    if !scans_whole_table {
        return None;
    }
    let indexed = exists(
        "SELECT 1 FROM pg_catalog.pg_index i \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
         WHERE i.indrelid = $1 AND a.attname = $2",
        &[
            regclass_arg(related.oid),
            related.client_column.as_str().into(),
        ],
    );
    Some(if indexed {
        // the column is compared cast to the key's type, which an index of the cast serves
        format!(
            "CREATE INDEX ON {} ((CAST({column} AS {})));",
            related.name, entity.key_type
        )
    } else {
        format!("CREATE INDEX ON {} ({column});", related.name)
    })
}
