//! The one error type of pg_segment and its deliberate mapping to SQLSTATEs.

use crate::engine::EngineError;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

#[derive(Debug, Clone)]
pub enum SegmentError {
    UnknownScheme {
        name: String,
        known: Vec<String>,
    },
    UnknownQuestion {
        scheme: String,
        code: String,
        known: Vec<String>,
    },
    UnknownOption {
        scheme: String,
        question: String,
        code: String,
        known: Vec<String>,
    },
    Duplicate {
        what: &'static str,
        value: String,
        within: String,
    },
    NullArgument {
        argument: &'static str,
    },
    NotATable {
        table: String,
    },
    /// A table that cannot be a client table (a partition, a table of pg_segment's own).
    NotAClientTableCandidate {
        table: String,
        reason: String,
    },
    /// A relation OID that names no relation.
    UndefinedTable {
        oid: u32,
    },
    /// A client-table trigger of pg_segment attached to a table no scheme is bound to.
    NotAClientTable {
        table: String,
    },
    NoPrimaryKey {
        table: String,
    },
    CompositeKey {
        table: String,
        columns: String,
    },
    /// A client key column, or a source's client column, with a nondeterministic collation.
    NondeterministicKey {
        table: String,
        column: String,
        collation: String,
    },
    /// A source's client column compared with the client key by an equality other than the
    /// column type's own (`store::comparison_unlike_grouping`).
    ComparisonUnlikeGrouping {
        table: String,
        column: String,
        /// the type the comparison takes the column as
        compared_as: String,
        key_type: String,
    },
    PermissionDenied {
        message: String,
        hint: String,
    },
    ClientNotFound {
        table: String,
        key: String,
    },
    ForeignQuestion {
        question_id: i32,
        scheme: String,
        owner_table: String,
        table: String,
    },
    /// An answer of the wrong form for its question's kind: a value for a choice question, an
    /// option for a number question.
    WrongAnswerKind {
        scheme: String,
        question: String,
        kind: String,
        given: &'static str,
    },
    /// A code add_range was given that names neither a parameter nor a question of the scheme.
    UnknownRangeOwner {
        scheme: String,
        code: String,
        known: Vec<String>,
    },
    /// A golden-set case segment.check_scheme cannot evaluate.
    BadCase {
        case: String,
        problem: String,
    },
    /// segment.suggest_levels asked for a number of classes or a method it cannot give.
    BadSplit {
        /// "k" or "method"
        argument: &'static str,
        value: String,
    },
    /// segment.suggest_levels' k-means asked of more distinct scores × levels than its table
    /// holds (`engine::split::MAX_KMEANS_CELLS`).
    SplitTooLarge {
        distinct: usize,
        k: usize,
    },
    /// A question kind pg_segment does not know.
    UnknownKind {
        kind: String,
    },
    /// A client table bound before 0.2.0 whose tables segment.repair_bound_tables() has not
    /// brought to this version's shape.
    NotRepaired {
        table: String,
    },
    /// A value answer naming a question id that does not exist.
    UnknownQuestionId {
        question_id: i32,
        table: String,
    },
    LevelOverlap {
        scheme: String,
        first: String,
        second: String,
        detail: String,
    },
    SchemeRebind {
        scheme: String,
    },
    /// A draft named where a live scheme is needed (answers, scores, refresh, verify).
    DraftNotLive {
        name: String,
    },
    /// A live scheme named where a draft is needed (segment.preview).
    NotADraft {
        name: String,
    },
    /// A draft inserted with plain SQL that is a draft of no live scheme over its table.
    DraftOfNothing {
        scheme: String,
    },
    /// An UPDATE of segment.schemes that changed which scheme a row is a draft of.
    DraftLinkChanged {
        scheme: String,
    },
    /// A key update that moves a client with pg_segment data to another partition.
    CrossPartitionRekey {
        table: String,
    },
    /// An UPDATE that changed the id of a scheme or question.
    IdChanged {
        table: String,
    },
    /// Code attached to one of pg_segment's tables while pg_segment rewrote it.
    CodeAttached {
        table: String,
    },
    /// A question moved to a scheme over another client table.
    QuestionMoved {
        question: String,
        scheme: String,
        client_table: String,
    },
    /// A client argument that would change on its way to the key type.
    InexactClientKey {
        value: String,
        key_type: String,
        table: String,
    },
    /// A REPEATABLE READ or SERIALIZABLE transaction whose snapshot predates a committed
    /// configuration change of a scheme its write must be scored by.
    StaleConfiguration {
        scheme: String,
        seen: Option<i32>,
        current: Option<i32>,
    },
    /// A parameter expression of a shape pg_segment refuses: not a single value expression
    /// over the client's row (42601), or one needing more than that row (0A000).
    ParameterExpression {
        expression: String,
        problem: &'static str,
        unsupported: bool,
        /// over a related table (else over the client's row): says which hint helps
        related: bool,
    },
    /// PostgreSQL's own error about a parameter expression (syntax, unknown column or
    /// function), with its SQLSTATE, naming the expression.
    ExpressionError {
        expression: String,
        code: PgSqlErrorCode,
        message: String,
        related: bool,
    },
    /// A parameter code that does not exist in the scheme.
    UnknownParameter {
        scheme: String,
        code: String,
        known: Vec<String>,
    },
    /// What a rule names (a group, a level, an input: question or parameter) is not in the
    /// scheme.
    UnknownRuleTarget {
        scheme: String,
        what: &'static str,
        code: String,
        known: Vec<String>,
    },
    /// An array argument that must list at least one value.
    EmptyArray {
        argument: &'static str,
    },
    /// A group whose lower bound is above its upper bound.
    GroupBounds {
        group: String,
        min: String,
        max: String,
    },
    /// A `client_column` given for a parameter without a `source`.
    ColumnWithoutSource,
    /// A relation that cannot be a parameter's source (a view, a temporary table).
    UnsuitableSource {
        table: String,
        reason: String,
    },
    /// A client whose related data a REPEATABLE READ write touches, committed after the
    /// transaction's snapshot.
    ClientsChangedSinceSnapshot {
        table: String,
    },
    /// Parameters whose evaluation failed with PostgreSQL's error `code`.
    EvaluationFailed {
        parameters: String,
        definer: String,
        code: PgSqlErrorCode,
        message: String,
    },
    /// Parameters whose definer role no longer exists.
    DefinerGone {
        parameters: String,
        definer: u32,
    },
    /// Parameters whose definer sees only some rows of a table they read (row security).
    RowSecurityForDefiner {
        table: String,
        definer: String,
        parameters: String,
    },
    Engine(EngineError),
}

impl From<EngineError> for SegmentError {
    fn from(e: EngineError) -> Self {
        SegmentError::Engine(e)
    }
}

pub type Result<T> = std::result::Result<T, SegmentError>;

fn listed(known: &[String]) -> String {
    if known.is_empty() {
        "there are none yet".to_string()
    } else {
        format!("known: {}", known.join(", "))
    }
}

impl SegmentError {
    pub fn sqlstate(&self) -> PgSqlErrorCode {
        use PgSqlErrorCode::*;
        match self {
            SegmentError::UnknownScheme { .. }
            | SegmentError::UnknownRuleTarget { .. }
            | SegmentError::UnknownParameter { .. }
            | SegmentError::UnknownQuestion { .. }
            | SegmentError::UnknownOption { .. } => ERRCODE_UNDEFINED_OBJECT,
            SegmentError::Duplicate { .. } => ERRCODE_UNIQUE_VIOLATION,
            SegmentError::GroupBounds { .. } | SegmentError::EmptyArray { .. } => {
                ERRCODE_INVALID_PARAMETER_VALUE
            }
            SegmentError::NullArgument { .. } => ERRCODE_NULL_VALUE_NOT_ALLOWED,
            SegmentError::NotATable { .. } => ERRCODE_WRONG_OBJECT_TYPE,
            SegmentError::UndefinedTable { .. } => ERRCODE_UNDEFINED_TABLE,
            SegmentError::NotAClientTableCandidate { .. } => ERRCODE_WRONG_OBJECT_TYPE,
            SegmentError::NotAClientTable { .. } => ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            SegmentError::NoPrimaryKey { .. } => ERRCODE_INVALID_TABLE_DEFINITION,
            SegmentError::CompositeKey { .. } => ERRCODE_FEATURE_NOT_SUPPORTED,
            SegmentError::NondeterministicKey { .. }
            | SegmentError::ComparisonUnlikeGrouping { .. } => ERRCODE_FEATURE_NOT_SUPPORTED,
            SegmentError::PermissionDenied { .. } => ERRCODE_INSUFFICIENT_PRIVILEGE,
            SegmentError::ClientNotFound { .. } | SegmentError::ForeignQuestion { .. } => {
                ERRCODE_FOREIGN_KEY_VIOLATION
            }
            SegmentError::WrongAnswerKind { .. } | SegmentError::UnknownKind { .. } => {
                ERRCODE_INVALID_PARAMETER_VALUE
            }
            SegmentError::UnknownQuestionId { .. } => ERRCODE_FOREIGN_KEY_VIOLATION,
            SegmentError::NotRepaired { .. } => ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            SegmentError::DraftNotLive { .. } => ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            SegmentError::DraftLinkChanged { .. } => ERRCODE_FEATURE_NOT_SUPPORTED,
            SegmentError::NotADraft { .. } => ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            SegmentError::DraftOfNothing { .. } => ERRCODE_FOREIGN_KEY_VIOLATION,
            SegmentError::UnknownRangeOwner { .. } => ERRCODE_UNDEFINED_OBJECT,
            SegmentError::BadCase { .. } | SegmentError::BadSplit { .. } => {
                ERRCODE_INVALID_PARAMETER_VALUE
            }
            SegmentError::SplitTooLarge { .. } => ERRCODE_PROGRAM_LIMIT_EXCEEDED,
            SegmentError::LevelOverlap { .. } => ERRCODE_EXCLUSION_VIOLATION,
            SegmentError::SchemeRebind { .. } | SegmentError::QuestionMoved { .. } => {
                ERRCODE_FEATURE_NOT_SUPPORTED
            }
            SegmentError::InexactClientKey { .. } => ERRCODE_INVALID_TEXT_REPRESENTATION,
            SegmentError::StaleConfiguration { .. } => ERRCODE_T_R_SERIALIZATION_FAILURE,
            SegmentError::CodeAttached { .. } => ERRCODE_INSUFFICIENT_PRIVILEGE,
            SegmentError::IdChanged { .. } | SegmentError::CrossPartitionRekey { .. } => {
                ERRCODE_FEATURE_NOT_SUPPORTED
            }
            SegmentError::ParameterExpression { unsupported, .. } => {
                if *unsupported {
                    ERRCODE_FEATURE_NOT_SUPPORTED
                } else {
                    ERRCODE_SYNTAX_ERROR
                }
            }
            SegmentError::ColumnWithoutSource => ERRCODE_INVALID_PARAMETER_VALUE,
            SegmentError::DefinerGone { .. } => ERRCODE_UNDEFINED_OBJECT,
            SegmentError::UnsuitableSource { .. } => ERRCODE_WRONG_OBJECT_TYPE,
            SegmentError::ClientsChangedSinceSnapshot { .. } => ERRCODE_T_R_SERIALIZATION_FAILURE,
            SegmentError::EvaluationFailed { code, .. } => *code,
            SegmentError::RowSecurityForDefiner { .. } => ERRCODE_FEATURE_NOT_SUPPORTED,
            SegmentError::ExpressionError { code, .. } => *code,
            SegmentError::Engine(EngineError::Overflow { .. }) => {
                ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE
            }
            SegmentError::Engine(_) => ERRCODE_INVALID_PARAMETER_VALUE,
        }
    }

    pub fn message(&self) -> String {
        match self {
            SegmentError::UnknownScheme { name, .. } => format!("scheme \"{name}\" does not exist"),
            SegmentError::UnknownQuestion { scheme, code, .. } => {
                format!("question \"{code}\" does not exist in scheme \"{scheme}\"")
            }
            SegmentError::UnknownOption {
                scheme,
                question,
                code,
                ..
            } => format!(
                "option \"{code}\" does not exist for question \"{question}\" of scheme \"{scheme}\""
            ),
            SegmentError::Duplicate { what, value, within } => {
                format!("{what} \"{value}\" already exists {within}")
            }
            SegmentError::NullArgument { argument } => format!("{argument} must not be NULL"),
            SegmentError::NotATable { table } => format!("\"{table}\" is not a table"),
            SegmentError::NotAClientTableCandidate { table, reason } => {
                format!("table {table} cannot be a client table: {reason}")
            }
            SegmentError::UndefinedTable { oid } => {
                format!("relation with OID {oid} does not exist")
            }
            SegmentError::NotAClientTable { table } => {
                format!("table {table} is not a client table of any pg_segment scheme")
            }
            SegmentError::NoPrimaryKey { table } => format!("table {table} has no primary key"),
            SegmentError::CompositeKey { table, columns } => {
                format!("table {table} has a composite primary key ({columns})")
            }
            SegmentError::NondeterministicKey {
                table,
                column,
                collation,
            } => format!(
                "column {column} of {table} holds client keys under the nondeterministic \
                 collation {collation}"
            ),
            SegmentError::ComparisonUnlikeGrouping {
                table,
                column,
                compared_as,
                key_type,
            } => format!(
                "column {column} of {table} is compared with client keys of type {key_type} as \
                 {compared_as}: different values of the column could belong to one client"
            ),
            SegmentError::PermissionDenied { message, .. } => message.clone(),
            SegmentError::ClientNotFound { table, key } => {
                format!("client {key} does not exist in {table}")
            }
            SegmentError::ForeignQuestion { question_id, scheme, owner_table, table } => format!(
                "question {question_id} belongs to scheme \"{scheme}\" over {owner_table}, not to {table}"
            ),
            SegmentError::WrongAnswerKind { scheme, question, kind, given } => format!(
                "question \"{question}\" of scheme \"{scheme}\" is a {kind} question: it is not answered with {given}"
            ),
            SegmentError::UnknownKind { kind } => format!("question kind \"{kind}\" does not exist"),
            SegmentError::BadCase { case, problem } => format!("case {case}: {problem}"),
            SegmentError::SplitTooLarge { distinct, k } => format!(
                "a k-means split of {distinct} distinct scores into {k} levels is too large"
            ),
            SegmentError::BadSplit { argument, value } => match *argument {
                "k" => format!("a split into {value} levels cannot be suggested"),
                _ => format!("split method \"{value}\" does not exist"),
            },
            SegmentError::UnknownRangeOwner { scheme, code, .. } => format!(
                "scheme \"{scheme}\" has no parameter or number question \"{code}\""
            ),
            SegmentError::NotRepaired { table } => format!(
                "the pg_segment tables of {table} are not in this version's shape yet"
            ),
            SegmentError::UnknownQuestionId { question_id, table } => format!(
                "question {question_id} of an answer about a client of {table} does not exist"
            ),
            SegmentError::LevelOverlap { scheme, first, second, .. } => format!(
                "level \"{second}\" overlaps level \"{first}\" in scheme \"{scheme}\""
            ),
            SegmentError::SchemeRebind { scheme } => {
                format!("scheme \"{scheme}\" cannot be moved to another client table")
            }
            SegmentError::DraftNotLive { name } => {
                format!("scheme \"{name}\" is a draft: it scores nobody")
            }
            SegmentError::NotADraft { name } => format!("scheme \"{name}\" is live, not a draft"),
            SegmentError::DraftOfNothing { scheme } => format!(
                "scheme \"{scheme}\" is a draft of no live scheme over the same client table"
            ),
            SegmentError::DraftLinkChanged { scheme } => {
                format!("which scheme \"{scheme}\" is a draft of cannot be changed")
            }
            SegmentError::CrossPartitionRekey { table } => format!(
                "pg_segment cannot follow a client of {table} whose new key moves it to another partition"
            ),
            SegmentError::IdChanged { table } => {
                format!("the ids of segment.{table} cannot change")
            }
            SegmentError::CodeAttached { table } => format!(
                "pg_segment: {table} changed while pg_segment rewrote it for a new key type"
            ),
            SegmentError::QuestionMoved { question, scheme, client_table } => format!(
                "question \"{question}\" of scheme \"{scheme}\" cannot move to a scheme over another table than {client_table}"
            ),
            SegmentError::InexactClientKey { value, key_type, table } => format!(
                "client {value} is not a key of {table}: it does not convert exactly to {key_type}"
            ),
            SegmentError::StaleConfiguration { scheme, .. } => format!(
                "could not serialize access: the configuration of scheme \"{scheme}\" changed \
                 after this transaction took its snapshot"
            ),
            SegmentError::ParameterExpression { expression, problem, .. } => {
                format!("parameter expression \"{expression}\" {problem}")
            }
            SegmentError::ExpressionError { expression, message, .. } => {
                format!("parameter expression \"{expression}\": {message}")
            }
            SegmentError::UnknownParameter { scheme, code, .. } => {
                format!("parameter \"{code}\" does not exist in scheme \"{scheme}\"")
            }
            SegmentError::UnknownRuleTarget {
                scheme, what, code, ..
            } => format!("{what} \"{code}\" does not exist in scheme \"{scheme}\""),
            SegmentError::EmptyArray { argument } => {
                format!("{argument} must list at least one value")
            }
            SegmentError::GroupBounds { group, min, max } => format!(
                "min_points {min} of group \"{group}\" is above its max_points {max}"
            ),
            SegmentError::ColumnWithoutSource => {
                "client_column names a column of a related table, but source is NULL".to_string()
            }
            SegmentError::UnsuitableSource { table, reason } => {
                format!("{table} cannot be the source of a parameter: {reason}")
            }
            SegmentError::ClientsChangedSinceSnapshot { table } => format!(
                "could not serialize access: a client of {table} this write re-scores changed \
                 after this transaction took its snapshot"
            ),
            SegmentError::EvaluationFailed { parameters, definer, message, .. } => format!(
                "parameters {parameters} (evaluated as {definer}) failed: {message}"
            ),
            SegmentError::DefinerGone { parameters, .. } => format!(
                "parameters {parameters} cannot be evaluated: the role that defined them no longer exists"
            ),
            SegmentError::RowSecurityForDefiner { table, definer, parameters } => format!(
                "parameters {parameters} cannot be evaluated as {definer}: row security shows that role only some rows of {table}"
            ),
            SegmentError::Engine(e) => e.to_string(),
        }
    }

    pub fn detail(&self) -> Option<String> {
        let version = |v: &Option<i32>| match v {
            Some(v) => format!("version {v}"),
            None => "no such scheme".to_string(),
        };
        match self {
            SegmentError::DefinerGone { definer, .. } => Some(format!(
                "segment.parameters.definer holds role OID {definer}."
            )),
            SegmentError::LevelOverlap { detail, .. } => Some(detail.clone()),
            SegmentError::StaleConfiguration { seen, current, .. } => Some(format!(
                "The snapshot shows {}; the committed configuration is {}.",
                version(seen),
                version(current)
            )),
            _ => None,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            SegmentError::UnknownScheme { known, .. } => {
                Some(format!("Schemes are created with segment.create_scheme(); {}.", listed(known)))
            }
            SegmentError::UnknownQuestion { known, .. } => {
                Some(format!("Questions are added with segment.add_question(); {}.", listed(known)))
            }
            SegmentError::UnknownRuleTarget { what, known, .. } => Some(format!(
                "{} {}.",
                match *what {
                    "group" => "Groups are added with segment.add_group();",
                    "level" => "Levels are added with segment.add_level();",
                    "variant" => "Variants are added with segment.add_variant();",
                    _ => "A rule names a question or a parameter of the scheme;",
                },
                listed(known)
            )),
            SegmentError::GroupBounds { .. } => Some(
                "A group's sum is clamped to [min_points, max_points]; give min_points <= \
                 max_points, or NULL for an open end."
                    .to_string(),
            ),
            SegmentError::UnknownParameter { known, .. } => Some(format!(
                "Parameters are added with segment.add_parameter(); {}.",
                listed(known)
            )),
            SegmentError::ParameterExpression { related, .. }
            | SegmentError::ExpressionError { related, .. } => Some(if *related {
                "A parameter over a related table is one aggregate over the client's rows of \
                 it, e.g. sum(amount), count(*) or max(ordered_at), with immutable or stable \
                 functions only (functions outside pg_catalog schema-qualified)."
                    .into()
            } else {
                "A parameter is one value computed from the client's own row, e.g. employees or \
                 annual_revenue / 1000, with immutable or stable functions only (functions \
                 outside pg_catalog schema-qualified)."
                    .into()
            }),
            SegmentError::DefinerGone { .. } => Some(
                "Drop the parameters and define them again as an existing role.".into(),
            ),
            SegmentError::ClientsChangedSinceSnapshot { .. } => {
                Some("Retry the transaction.".into())
            }
            SegmentError::EvaluationFailed { .. } => Some(
                "The expression of a parameter fails on some client's data; fix it with \
                 segment.drop_parameter() and segment.add_parameter()."
                    .into(),
            ),
            SegmentError::RowSecurityForDefiner { .. } => Some(
                "A client hidden from the definer would be scored as if it had no value; define \
                 the parameter as a role that sees every row (the table's owner, or a role with \
                 BYPASSRLS)."
                    .into(),
            ),
            SegmentError::ColumnWithoutSource => Some(
                "Give source (the related table) with client_column, or neither for an expression \
                 over the client table's own columns."
                    .into(),
            ),
            SegmentError::NotRepaired { .. } => {
                Some("Run SELECT segment.repair_bound_tables(); as a superuser.".into())
            }
            SegmentError::BadCase { .. } => Some(
                "A case is {\"name\": …, \"answers\": {question: option | [options] | number}, \
                 \"parameters\": {parameter: value}, \"expected\": segment or null}."
                    .into(),
            ),
            SegmentError::UnknownRangeOwner { known, .. } => Some(format!(
                "Ranges map the values of numeric parameters and the answers of number questions; {}.",
                listed(known)
            )),
            SegmentError::WrongAnswerKind { kind, .. } if kind == "multiple" => Some(
                "Answer it with segment.answer(scheme, client, question, ARRAY[option, ...]), or \
                 with rows of the picks table, one per chosen option."
                    .into(),
            ),
            SegmentError::WrongAnswerKind { kind, .. } => Some(if kind == "number" {
                "Answer it with segment.answer_number(scheme, client, question, value), or with \
                 an answers row that has a value and no option_id."
                    .into()
            } else {
                "Answer it with segment.answer(scheme, client, question, option), or with an \
                 answers row that has an option_id and no value."
                    .into()
            }),
            SegmentError::SplitTooLarge { .. } => Some(format!(
                "Its table holds at most {} entries (levels × distinct scores); ask for fewer \
                 levels, or use 'quantiles', which has no such bound.",
                crate::engine::split::MAX_KMEANS_CELLS
            )),
            SegmentError::BadSplit { argument, .. } => Some(match *argument {
                "k" => format!(
                    "Ask for between 1 and {} levels.",
                    crate::engine::split::MAX_CLASSES
                ),
                _ => "The methods are 'quantiles' (levels of equal numbers of clients) and \
                      'kmeans' (optimal one-dimensional k-means)."
                    .into(),
            }),
            SegmentError::UnknownKind { .. } => Some(
                "A question is of kind 'single' (one option chosen), 'multiple' (any number of \
                 options chosen) or 'number' (a value, mapped to points by segment.add_range())."
                    .into(),
            ),
            SegmentError::UnknownQuestionId { .. } => Some(
                "segment.answer_options lists the questions with their ids; number questions are \
                 in segment.questions (kind 'number')."
                    .into(),
            ),
            SegmentError::UnknownOption { known, .. } => {
                Some(format!("Options are added with segment.add_option(); {}.", listed(known)))
            }
            SegmentError::NoPrimaryKey { .. } => {
                Some("Add a single-column primary key to the client table first.".into())
            }
            SegmentError::CompositeKey { .. } => Some(
                "Clients are identified by a single-column primary key; add a surrogate key.".into(),
            ),
            SegmentError::NondeterministicKey { .. } => Some(
                "pg_segment finds a client's answers, scores and related rows by keys equal byte \
                 for byte; give the column a deterministic collation (COLLATE \"C\", say)."
                    .into(),
            ),
            SegmentError::ComparisonUnlikeGrouping {
                table,
                column,
                key_type,
                ..
            } => Some(format!(
                "Give the column the key's type (ALTER TABLE {table} ALTER COLUMN {} TYPE \
                 {key_type}), or a type that compares with the key by its own equality: integers \
                 with integer or numeric keys, text or varchar with text or varchar keys, text \
                 with character keys. (pg_segment compares with the operators of pg_catalog: a \
                 type whose equality lives in another schema, such as citext, compares as \
                 text.)",
                pgrx::spi::quote_identifier(column)
            )),
            SegmentError::PermissionDenied { hint, .. } => Some(hint.clone()),
            SegmentError::NotAClientTable { .. } => Some(
                "pg_segment attaches its client-table triggers itself when a scheme is created; \
                 drop this trigger."
                    .into(),
            ),
            SegmentError::LevelOverlap { .. } => {
                Some("Level ranges are [min_score, max_score); make them disjoint.".into())
            }
            SegmentError::SchemeRebind { .. } => {
                Some("Create a new scheme over the other table instead.".into())
            }
            SegmentError::DraftNotLive { name } => Some(format!(
                "See what it would change with segment.preview('{name}'); make it live with \
                 segment.publish('{name}')."
            )),
            SegmentError::NotADraft { name } => Some(format!(
                "segment.create_draft('{name}') makes a draft of it."
            )),
            SegmentError::DraftOfNothing { .. } => Some(
                "draft_of names a live scheme bound to the same table; segment.create_draft() \
                 makes drafts."
                    .into(),
            ),
            SegmentError::DraftLinkChanged { .. } => Some(
                "Drafts are made with segment.create_draft() and dropped with segment.discard() \
                 or segment.publish()."
                    .into(),
            ),
            SegmentError::CrossPartitionRekey { .. } => Some(
                "Keep key updates within a partition, or delete the client and insert it anew \
                 (its answers, score and history go with the old key)."
                    .into(),
            ),
            SegmentError::IdChanged { .. } => Some(
                "Answers, assignments and history refer to them; create a new one instead.".into(),
            ),
            SegmentError::CodeAttached { .. } => Some(
                "Code the key type ran while the table was rewritten attached something to it; \
                 the change is refused."
                    .into(),
            ),
            SegmentError::QuestionMoved { .. } => Some(
                "Its answers are kept by its client table; add a new question to the other scheme instead."
                    .into(),
            ),
            SegmentError::InexactClientKey { key_type, .. } => Some(format!(
                "Pass the key in its own type ({key_type}) or as a quoted literal; pg_segment \
                 never rounds or truncates a client key."
            )),
            SegmentError::StaleConfiguration { .. } => Some(
                "Retry the transaction: an answer is never scored with a configuration that is \
                 no longer current."
                    .into(),
            ),
            SegmentError::Engine(EngineError::EmptyRange { .. }) => {
                Some("A level covers scores s with min_score <= s < max_score.".into())
            }
            SegmentError::Engine(EngineError::EmptyValueRange { .. }) => {
                Some("A range covers values v with min_value <= v < max_value.".into())
            }
            SegmentError::Engine(EngineError::WeightOutOfRange { .. }) => Some(
                "Weights lie between 0 and 1000000 with at most 4 decimal places.".into(),
            ),
            SegmentError::Engine(EngineError::PointsOutOfRange { .. }) => Some(
                "Points lie strictly between -1000000000 and 1000000000 with at most 4 decimal places."
                    .into(),
            ),
            _ => None,
        }
    }

    /// Raises this error as a PostgreSQL ERROR; the current statement is aborted and nothing
    /// it wrote survives.
    pub fn raise(self) -> ! {
        let mut report = ErrorReport::new(self.sqlstate(), self.message(), "pg_segment");
        if let Some(detail) = self.detail() {
            report = report.set_detail(detail);
        }
        if let Some(hint) = self.hint() {
            report = report.set_hint(hint);
        }
        report.report(PgLogLevel::ERROR);
        unreachable!("an ERROR report does not return")
    }
}

/// Unwraps a result or raises its error; the one way API functions turn errors into ERRORs.
pub trait OrRaise<T> {
    fn or_raise(self) -> T;
}

impl<T> OrRaise<T> for Result<T> {
    fn or_raise(self) -> T {
        self.unwrap_or_else(|e| e.raise())
    }
}
