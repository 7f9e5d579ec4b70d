//! Variants of a scheme (sql/variants.sql): the configuration written by the SQL API, and the
//! parts of the statements that score a scheme with variants (which inputs count for a client,
//! which levels segment it).

use super::configuration::insert_returning_id;
use super::latest;
use super::query::{self, render, Part};
use super::spi::{all_names, exists, value, value_mut};
use crate::entity::{Entity, Scheme};
use crate::error::{Result, SegmentError};
use crate::security::{as_role, with_value_settings};
use pgrx::datum::DatumWithOid;
use pgrx::spi::Spi;

/// The column of the scheme's client table that selects its variants, read under a snapshot
/// taken now (a configuration statement's trigger asks before its rows are compiled); None
/// when the scheme selects no variants.
pub fn variant_column_now(scheme_id: i32) -> Option<String> {
    Spi::connect(|_| {
        latest::run(
            "SELECT CAST(column_name AS text) FROM segment.variant_columns WHERE scheme_id = $1",
            &[scheme_id.into()],
            false,
        )
        .first()
        .and_then(|row| row.first().cloned().flatten())
    })
}

/// The parts a statement that scores inputs names for the scheme's variants: the CTE
/// client_variants (`client_variants.sql` over the statement's scope_client_rows, for a
/// statement that runs as the owner of the client table; `listed_client_variants.sql` from a
/// list `listed` works out as that owner, for one that runs as its caller; or
/// `no_client_variants.sql`), and the predicates that say whether an input counts for a client
/// (`variant_counts.sql`; `true` for a scheme that selects no variants) and whether the
/// client's variant is known.
pub struct VariantParts {
    column: Option<String>,
    question: String,
    parameter: String,
    required: String,
    listed: Option<ListedVariants>,
}

/// Clients' variants worked out as the owner of the client table, for a statement that takes
/// them as three array arguments from `first_argument` on.
struct ListedVariants {
    first_argument: usize,
    placeholders: [String; 3],
    clients: Vec<Option<String>>,
    variant_ids: Vec<Option<i32>>,
    level_variants: Vec<Option<i32>>,
}

impl VariantParts {
    /// The parts for a scheme whose variants `column` selects (None: it selects none), the
    /// client's variant id being `question_variant` where a question's answer is read,
    /// `required_variant` where a required question is checked and `parameter_variant` where a
    /// parameter's value is (SQL of the statement's aliases: client_variants joined to the
    /// client).
    pub fn of(
        column: Option<String>,
        question_variant: &str,
        required_variant: &str,
        parameter_variant: &str,
    ) -> VariantParts {
        let counts = |item_column: &str, item: &str, variant: &str| {
            if column.is_none() {
                return "true".to_string();
            }
            render(
                query::VARIANT_COUNTS,
                &[
                    ("item_column", Part::Identifier(item_column)),
                    ("item", Part::Sql(item)),
                    ("variant", Part::Sql(variant)),
                ],
            )
        };
        VariantParts {
            question: counts("question_id", "q.question_id", question_variant),
            parameter: counts("parameter_id", "pp.parameter_id", parameter_variant),
            required: counts("question_id", "q.question_id", required_variant),
            column,
            listed: None,
        }
    }

    /// The parts for a statement run as its caller over the clients of the entity's table
    /// (`client`: one, its key in text form): their variants are listed first, as the owner of
    /// the client table, and passed as array arguments numbered from `first_argument`.
    pub fn listed(
        entity: &Entity,
        scheme_id: i32,
        variant: &str,
        client: Option<&str>,
        first_argument: usize,
    ) -> VariantParts {
        let column = variant_column_now(scheme_id);
        let mut parts = VariantParts::of(column, variant, "NULL", variant);
        if let Some(column) = &parts.column {
            let (clients, variant_ids, level_variants) =
                client_variants_of(entity, scheme_id, column, client);
            let n = first_argument;
            parts.listed = Some(ListedVariants {
                first_argument,
                placeholders: [
                    format!("${n}"),
                    format!("${}", n + 1),
                    format!("${}", n + 2),
                ],
                clients,
                variant_ids,
                level_variants,
            });
        }
        parts
    }

    pub fn push<'a>(&'a self, parts: &mut Vec<(&'static str, Part<'a>)>) {
        match (&self.column, &self.listed) {
            (Some(_), Some(listed)) => {
                parts.push((
                    "client_variants",
                    Part::Fragment(query::LISTED_CLIENT_VARIANTS),
                ));
                parts.push(("variant_clients", Part::Sql(&listed.placeholders[0])));
                parts.push(("variant_ids", Part::Sql(&listed.placeholders[1])));
                parts.push(("level_variants", Part::Sql(&listed.placeholders[2])));
                parts.push(("variant_matched", Part::Sql("cv.variant_id IS NOT NULL")));
            }
            (Some(column), None) => {
                parts.push(("client_variants", Part::Fragment(query::CLIENT_VARIANTS)));
                parts.push(("variant_column", Part::Identifier(column)));
                parts.push(("variant_matched", Part::Sql("cv.variant_id IS NOT NULL")));
            }
            (None, _) => {
                parts.push(("client_variants", Part::Fragment(query::NO_CLIENT_VARIANTS)));
                parts.push(("variant_matched", Part::Sql("true")));
            }
        }
        parts.push(("question_counts", Part::Sql(&self.question)));
        parts.push(("parameter_counts", Part::Sql(&self.parameter)));
        parts.push(("required_counts", Part::Sql(&self.required)));
    }

    /// The array arguments a listed statement takes (none otherwise), after its others: the
    /// caller's arguments must number `first_argument - 1`.
    pub fn arguments(&self) -> Vec<DatumWithOid<'static>> {
        match &self.listed {
            Some(listed) => {
                debug_assert!(listed.first_argument > 0);
                vec![
                    listed.clients.clone().into(),
                    listed.variant_ids.clone().into(),
                    listed.level_variants.clone().into(),
                ]
            }
            None => Vec::new(),
        }
    }

    /// Whether the scheme selects variants by a client column.
    pub fn selects_variants(&self) -> bool {
        self.column.is_some()
    }
}

/// The clients of the entity's table (or the one `client` names, its key in text form) with
/// their variants of the scheme and the variants whose levels segment them, read as the
/// owner of the client table under fixed settings (a value's text form is compared). The three
/// arrays are aggregated in one pass, so their elements belong together.
#[allow(clippy::type_complexity)]
fn client_variants_of(
    entity: &Entity,
    scheme_id: i32,
    column: &str,
    client: Option<&str>,
) -> (Vec<Option<String>>, Vec<Option<i32>>, Vec<Option<i32>>) {
    let filter = match client {
        Some(_) => "WHERE c.{{key_column}} = CAST($2 AS {{key_type}})",
        None => "",
    };
    let mut parts = query::entity_parts(entity).to_vec();
    parts.push(("client_variants", Part::Fragment(query::CLIENT_VARIANTS)));
    parts.push(("variant_column", Part::Identifier(column)));
    parts.push(("filter", Part::Fragment(filter)));
    let sql = render(
        "WITH scope_client_rows AS (SELECT c.* FROM {{client_table}} c {{filter}}), \
         {{client_variants}} \
         SELECT pg_catalog.array_agg(CAST(cv.client_id AS text)), \
                pg_catalog.array_agg(CAST(cv.variant_id AS text)), \
                pg_catalog.array_agg(CAST(cv.level_variant AS text)) \
         FROM client_variants cv",
        &parts,
    );
    let mut args: Vec<DatumWithOid<'_>> = vec![scheme_id.into()];
    if let Some(client) = client {
        args.push(client.into());
    }
    let arrays = as_role(entity.owner, || {
        with_value_settings(|| Spi::connect(|_| latest::first_row_text_arrays(&sql, &args)))
    });
    let mut arrays = arrays.into_iter().map(Option::unwrap_or_default);
    let mut next = || arrays.next().unwrap_or_default();
    let ids = |texts: Vec<Option<String>>| {
        texts
            .into_iter()
            .map(|t| t.and_then(|t| t.parse::<i32>().ok()))
            .collect::<Vec<_>>()
    };
    let clients = next();
    let variant_ids = ids(next());
    let level_variants = ids(next());
    (clients, variant_ids, level_variants)
}

/// Sets (or, None, removes) the column that selects the scheme's variants; the table's
/// trigger checks the column and the writer's rights.
pub fn set_variant_column(scheme_id: i32, column: Option<&str>) {
    match column {
        Some(column) => {
            value_mut::<i32>(
                "WITH w AS (INSERT INTO segment.variant_columns AS v (scheme_id, column_name) \
                 VALUES ($1, $2) ON CONFLICT (scheme_id) DO UPDATE \
                 SET column_name = EXCLUDED.column_name \
                 WHERE v.column_name IS DISTINCT FROM EXCLUDED.column_name RETURNING 1) \
                 SELECT pg_catalog.count(*)::integer FROM w",
                &[scheme_id.into(), column.into()],
            );
        }
        None => {
            value_mut::<i32>(
                "WITH w AS (DELETE FROM segment.variant_columns WHERE scheme_id = $1 RETURNING 1) \
                 SELECT pg_catalog.count(*)::integer FROM w",
                &[scheme_id.into()],
            );
        }
    }
}

/// The id of a variant of the scheme; an unknown code is refused, listing the known ones.
pub fn variant_id(scheme: &Scheme, code: &str) -> Result<i32> {
    value::<i32>(
        "SELECT variant_id FROM segment.variants WHERE scheme_id = $1 AND code = $2",
        &[scheme.scheme_id.into(), code.into()],
    )
    .ok_or_else(|| SegmentError::UnknownRuleTarget {
        scheme: scheme.name.clone(),
        what: "variant",
        code: code.to_string(),
        known: all_names(
            "SELECT code FROM segment.variants WHERE scheme_id = $1 ORDER BY code",
            &[scheme.scheme_id.into()],
        ),
    })
}

pub fn variant_taken(scheme_id: i32, code: &str) -> bool {
    exists(
        "SELECT 1 FROM segment.variants WHERE scheme_id = $1 AND code = $2",
        &[scheme_id.into(), code.into()],
    )
}

/// A new variant; the table's triggers refuse a value another variant of the scheme has.
pub fn insert_variant(scheme_id: i32, code: &str, label: &str, values: Vec<String>) -> i32 {
    insert_returning_id(
        "INSERT INTO segment.variants (scheme_id, code, label, column_values) \
         VALUES ($1, $2, $3, $4) RETURNING variant_id",
        &[scheme_id.into(), code.into(), label.into(), values.into()],
    )
}

/// Attaches a question or parameter to a variant (nothing when it is attached already).
pub fn attach(scheme_id: i32, variant_id: i32, input: super::rules::Input) {
    let (question, parameter) = match input {
        super::rules::Input::Question(id) => (Some(id), None),
        super::rules::Input::Parameter(id) => (None, Some(id)),
    };
    value_mut::<i32>(
        "WITH w AS (INSERT INTO segment.variant_items (variant_id, scheme_id, question_id, \
                                                       parameter_id) \
                    VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1) \
         SELECT pg_catalog.count(*)::integer FROM w",
        &[
            variant_id.into(),
            scheme_id.into(),
            question.into(),
            parameter.into(),
        ],
    );
}
