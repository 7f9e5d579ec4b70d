//! pg_segment's long SQL statements, kept as `.sql` files under `sql/queries/`, and the one
//! place where names are spliced into SQL.
//!
//! A template names what it needs as `{{name}}`. `render` replaces each with a `Part`: a
//! relation or role name as `regclass` or `regrole` printed it (quoted already), a column or
//! transition table name (quoted here, by PostgreSQL's `quote_identifier`), a type as
//! `format_type` printed it, or another query file (a fragment, which may itself name parts).
//! Values never pass through here: every statement takes them as parameters.

/// One substitution of a template.
#[derive(Clone, Copy)]
pub enum Part<'a> {
    /// a relation name printed by `regclass` under the pinned search path
    Relation(&'a str),
    /// a role name printed by `regrole` (quoted already)
    Role(&'a str),
    /// an identifier as the catalog holds it, quoted here
    Identifier(&'a str),
    /// a type name printed by `format_type`
    Type(&'a str),
    /// a query file of this module
    Fragment(&'static str),
    /// SQL pg_segment wrote itself around checked expressions, spliced as it is (never
    /// rendered: a string constant in an expression may hold "{{")
    Sql(&'a str),
}

macro_rules! queries {
    ($($name:ident => $file:literal),* $(,)?) => {
        $(pub const $name: &str = include_str!(concat!("../../sql/queries/", $file));)*
        /// Every query file, for the test that renders them all.
        #[cfg(any(test, feature = "pg_test"))]
        pub const ALL: &[(&str, &str)] = &[$(($file, $name)),*];
    };
}

queries! {
    ENTITY_COLUMNS => "entity_columns.sql",
    REGISTER_ENTITY => "register_entity.sql",
    ENTITY_RELATIONS_TO_RETYPE => "entity_relations_to_retype.sql",
    ATTACHED_CODE => "attached_code.sql",
    EXACT_CLIENT => "exact_client.sql",
    CONFIGURATION_ROWS => "configuration_rows.sql",
    ASSIGNMENT_LOOKUP => "assignment_lookup.sql",
    EXPLAIN_INPUTS => "explain_inputs.sql",
    DISTRIBUTION => "distribution.sql",
    SCORE_HISTOGRAM => "score_histogram.sql",
    STATE_AT => "state_at.sql",
    STATES_AT => "states_at.sql",
    DISTRIBUTION_AT => "distribution_at.sql",
    TRANSITIONS => "transitions.sql",
    QUESTIONNAIRE => "questionnaire.sql",
    QUESTIONNAIRE_FOR => "questionnaire_for.sql",
    CHECK_INPUTS => "check_inputs.sql",
    VERIFY_INPUTS => "verify_inputs.sql",
    SCHEME_RULES => "scheme_rules.sql",
    LINEAR_SCHEME => "linear_scheme.sql",
    RECOMPUTE_RULED => "recompute_ruled.sql",
    RULED_SCOPE_ALL => "ruled_scope_all.sql",
    RULED_SCOPE_CLIENTS => "ruled_scope_clients.sql",
    NO_PARAMETERS => "no_parameters.sql",
    NO_PARAMETER_VALUES => "no_parameter_values.sql",
    WRITE_RECOMPUTED => "write_recomputed.sql",
    RECOMPUTED_DIFF => "recomputed_diff.sql",
    PREVIEW_SCOPE => "preview_scope.sql",
    PREVIEW_CHANGES => "preview_changes.sql",
    PREVIEW_TRANSITIONS => "preview_transitions.sql",
    CLIENT_VARIANTS => "client_variants.sql",
    NO_CLIENT_VARIANTS => "no_client_variants.sql",
    VARIANT_COUNTS => "variant_counts.sql",
    LISTED_CLIENT_VARIANTS => "listed_client_variants.sql",
    ANSWER_CHANGES_INSERT => "answer_changes_insert.sql",
    ANSWER_CHANGES_UPDATE => "answer_changes_update.sql",
    ANSWER_CHANGES_DELETE => "answer_changes_delete.sql",
    ANSWER_DELTAS => "answer_deltas.sql",
    KNOWN_DELTA => "known_delta.sql",
    GIVEN_CLIENT => "given_client.sql",
    APPLY_DELTAS => "apply_deltas.sql",
    RECOMPUTE_SCHEME => "recompute_scheme.sql",
    RELEVEL_SCHEME => "relevel_scheme.sql",
    EXPLAINED_BY_REKEYS => "explained_by_rekeys.sql",
    SHIFT_SCORES => "shift_scores.sql",
    RECORD_MOVES => "record_moves.sql",
    WEIGHT_DELTAS => "weight_deltas.sql",
    POINTS_DELTAS => "points_deltas.sql",
    MOVES_FEW => "moves_few.sql",
    MOVED_ASSIGNMENTS_JOINED => "moved_assignments_joined.sql",
    MOVED_ASSIGNMENTS_BY_KEY => "moved_assignments_by_key.sql",
    UNCOUNTED_RELATIONS => "uncounted_relations.sql",
    SUMMED_DELTAS => "summed_deltas.sql",
    LOG_APPLIED => "log_applied.sql",
    PARAMETER_VALUES => "parameter_values.sql",
    PARAMETER_POINTS => "parameter_points.sql",
    PARAMETER_SUMS => "parameter_sums.sql",
    APPLY_PARAMETERS => "apply_parameters.sql",
    NOTIFY_TRIGGERS => "notify_triggers.sql",
}

/// The fragments any template may name without being given them.
const FRAGMENTS: &[(&str, &str)] = &[
    ("entity_columns", ENTITY_COLUMNS),
    ("linear_scheme", LINEAR_SCHEME),
    ("write_recomputed", WRITE_RECOMPUTED),
    ("recomputed_diff", RECOMPUTED_DIFF),
    ("apply_deltas", APPLY_DELTAS),
    ("log_applied", LOG_APPLIED),
    ("parameter_values", PARAMETER_VALUES),
    ("parameter_points", PARAMETER_POINTS),
    ("parameter_sums", PARAMETER_SUMS),
    ("record_moves", RECORD_MOVES),
    ("answer_changes_insert", ANSWER_CHANGES_INSERT),
    ("answer_changes_delete", ANSWER_CHANGES_DELETE),
];

/// The template with every `{{name}}` replaced by its part. A name without a part is a bug in
/// pg_segment's own SQL, and so is a placeholder inside a `--` comment (a fragment of several
/// lines would end the comment early): the test that renders every file checks both.
pub fn render(template: &str, parts: &[(&str, Part<'_>)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("pg_segment internal error: unclosed {{{{ in a query"));
        let name = &after[..end];
        let part = parts
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, part)| *part)
            .or_else(|| {
                FRAGMENTS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, sql)| Part::Fragment(sql))
            })
            .unwrap_or_else(|| panic!("pg_segment internal error: no part for {{{{{name}}}}}"));
        match part {
            Part::Relation(text) | Part::Role(text) | Part::Type(text) | Part::Sql(text) => {
                out.push_str(text)
            }
            Part::Identifier(name) => out.push_str(&pgrx::spi::quote_identifier(name)),
            Part::Fragment(sql) => out.push_str(&render(sql.trim_end(), parts)),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The parts every statement over an entity's relations may name.
pub fn entity_parts(e: &crate::entity::Entity) -> [(&'static str, Part<'_>); 7] {
    [
        ("client_table", Part::Relation(&e.client_table)),
        ("key_column", Part::Identifier(&e.key_column)),
        ("key_type", Part::Type(&e.key_type)),
        ("answers", Part::Relation(&e.answers)),
        // a relation name, or a subquery of no rows (pg_segment's own SQL either way)
        ("picks", Part::Sql(&e.picks)),
        ("assignments", Part::Relation(&e.assignments)),
        ("history", Part::Relation(&e.history)),
    ]
}

/// A template over an entity's relations.
pub fn for_entity(template: &str, e: &crate::entity::Entity) -> String {
    render(template, &entity_parts(e))
}
