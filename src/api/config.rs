//! Configuration: schemes, questions, options, levels.

use super::{required, to_decimal};
use crate::client_table::ClientTable;
use crate::engine::{self, Bound, EngineError};
use crate::entity::{Entity, Scheme};
use crate::error::{OrRaise, Result, SegmentError};
use crate::security::{extension_owner, own_ddl_as, OwnDdl};
use crate::store;
use pgrx::datum::AnyNumeric;
use pgrx::pg_sys;
use pgrx::prelude::*;

/// Finds the entity of a client table, creating its answers, assignments and history tables the
/// first time a scheme is bound to it.
///
/// The caller's rights on the client table are checked on every call, for the first scheme
/// over a table and for every further one alike; the relations are then created as the
/// extension's owner, since application roles have no right to create anything in schema
/// segment.
fn bind_client_table(table: pg_sys::Oid) -> Result<Entity> {
    let name = store::existing_relation_name(table).ok_or(SegmentError::UndefinedTable {
        oid: table.to_u32(),
    })?;
    let key = store::primary_key(table);
    if key.relkind != "r" && key.relkind != "p" {
        return Err(SegmentError::NotATable { table: name });
    }
    if let Some(reason) = store::unbindable_reason(table) {
        return Err(SegmentError::NotAClientTableCandidate {
            table: name,
            reason,
        });
    }
    if !(store::has_table_privilege(table, "REFERENCES")
        && store::has_table_privilege(table, "TRIGGER"))
    {
        return Err(binding_refused(&name));
    }
    if let Some(entity) = store::entity_of_client_table(table) {
        return Ok(entity);
    }
    match key.key_columns.as_slice() {
        [] => Err(SegmentError::NoPrimaryKey { table: name }),
        [(column, type_oid)] => {
            if let Some(collation) = store::nondeterministic_collation(table, column) {
                return Err(SegmentError::NondeterministicKey {
                    table: name,
                    column: column.clone(),
                    collation,
                });
            }
            Ok(own_ddl_as(extension_owner(), OwnDdl::Bind, || {
                store::create_entity(table, column, *type_oid)
            }))
        }
        columns => Err(SegmentError::CompositeKey {
            table: name,
            columns: columns
                .iter()
                .map(|(c, _)| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The error for a role binding a scheme to a table without REFERENCES and TRIGGER on it.
pub fn binding_refused(table: &str) -> SegmentError {
    SegmentError::PermissionDenied {
        message: format!("permission denied to bind a scheme to table {table}"),
        hint: format!(
            "Answers and assignments reference the client table, and a trigger on it \
             removes a deleted client's history; ask its owner to \
             GRANT REFERENCES, TRIGGER ON {table} TO the role creating the scheme."
        ),
    }
}

#[pg_extern(volatile)]
fn create_scheme(
    name: Option<&str>,
    client_table: Option<ClientTable>,
    description: default!(Option<&str>, "NULL"),
) -> i32 {
    (|| -> Result<i32> {
        let name = required(name, "name")?;
        let table = required(client_table, "client_table")?.0;
        engine::validate_code("scheme name", name)?;
        if store::scheme_name_taken(name) {
            return Err(SegmentError::Duplicate {
                what: "scheme",
                value: name.to_string(),
                within: "in this database".into(),
            });
        }
        let entity = bind_client_table(table)?;
        Ok(store::insert_scheme(name, entity.entity_id, description))
    })()
    .or_raise()
}

#[pg_extern(volatile)]
fn drop_scheme(name: Option<&str>) {
    (|| -> Result<()> {
        let scheme = store::scheme(required(name, "name")?)?;
        store::delete_scheme(scheme.scheme_id);
        Ok(())
    })()
    .or_raise()
}

#[pg_extern(volatile)]
fn add_question(
    scheme: Option<&str>,
    code: Option<&str>,
    prompt: Option<&str>,
    weight: default!(Option<AnyNumeric>, 1),
    position: default!(Option<i32>, "NULL"),
    kind: default!(Option<&str>, "'single'"),
) -> i32 {
    (|| -> Result<i32> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let code = required(code, "code")?;
        let prompt = required(prompt, "prompt")?;
        let weight = required(weight, "weight")?;
        let kind = question_kind(required(kind, "kind")?)?;
        let weight = super::new_input_weight(&scheme, "question code", code, &weight)?;
        Ok(store::insert_item(
            store::Item::Question(kind),
            scheme.scheme_id,
            code,
            prompt,
            weight,
            position,
        ))
    })()
    .or_raise()
}

/// The question kinds pg_segment scores: `single` (one option chosen), `multiple` (any number
/// of options chosen, their points added up) and `number` (a value mapped to points by ranges).
fn question_kind(kind: &str) -> Result<&'static str> {
    match kind {
        "single" => Ok("single"),
        "multiple" => Ok("multiple"),
        "number" => Ok("number"),
        other => Err(SegmentError::UnknownKind {
            kind: other.to_string(),
        }),
    }
}

#[pg_extern(volatile)]
fn add_option(
    scheme: Option<&str>,
    question: Option<&str>,
    code: Option<&str>,
    label: Option<&str>,
    points: Option<AnyNumeric>,
    position: default!(Option<i32>, "NULL"),
) -> i32 {
    (|| -> Result<i32> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let question = required(question, "question")?;
        let question_id = store::question_id(&scheme, question)?;
        let code = required(code, "code")?;
        let label = required(label, "label")?;
        let points = required(points, "points")?;
        let points = to_decimal(&points).map_err(|_| EngineError::PointsOutOfRange {
            points: points.to_string(),
        })?;
        engine::validate_code("option code", code)?;
        engine::validate_points(points)?;
        if store::option_code_taken(question_id, code) {
            return Err(SegmentError::Duplicate {
                what: "option",
                value: code.to_string(),
                within: format!("for question \"{question}\" of scheme \"{}\"", scheme.name),
            });
        }
        Ok(store::insert_item(
            store::Item::Option,
            question_id,
            code,
            label,
            points,
            position,
        ))
    })()
    .or_raise()
}

/// A level of the scheme, or (`variant`) of one of its variants: the clients of a variant
/// with levels of its own are segmented by those.
#[pg_extern(volatile)]
fn add_level(
    scheme: Option<&str>,
    name: Option<&str>,
    min_score: Option<AnyNumeric>,
    max_score: Option<AnyNumeric>,
    variant: default!(Option<&str>, "NULL"),
) -> i32 {
    (|| -> Result<i32> {
        let scheme = store::scheme(required(scheme, "scheme")?)?;
        let name = required(name, "name")?;
        let variant_id = variant
            .map(|code| store::variants::variant_id(&scheme, code))
            .transpose()?;
        let min_text = required(min_score, "min_score")?.to_string();
        let max_text = required(max_score, "max_score")?.to_string();
        engine::validate_code("level name", name)?;
        let min = Bound::parse(&min_text)?;
        let max = Bound::parse(&max_text)?;
        engine::validate_level_range(name, min, max)?;
        if store::level_name_taken(scheme.scheme_id, variant_id, name) {
            return Err(SegmentError::Duplicate {
                what: "level",
                value: name.to_string(),
                within: match variant {
                    Some(code) => format!("for variant \"{code}\" of scheme \"{}\"", scheme.name),
                    None => format!("in scheme \"{}\"", scheme.name),
                },
            });
        }
        // The overlap check runs in the levels trigger, for plain SQL writes too.
        Ok(store::insert_level(
            scheme.scheme_id,
            variant_id,
            name,
            &min_text,
            &max_text,
        ))
    })()
    .or_raise()
}

/// Refuses overlapping levels in a scheme (or in one of its variants' own levels), naming
/// both.
pub fn check_levels(scheme: &Scheme) -> Result<()> {
    for (variant, levels) in store::level_sets(scheme.scheme_id)? {
        if let Some((first, second)) = engine::find_level_overlap(&levels) {
            let of_variant = variant
                .map(|code| format!(" (levels of variant \"{code}\")"))
                .unwrap_or_default();
            return Err(SegmentError::LevelOverlap {
                scheme: scheme.name.clone(),
                first: first.name.clone(),
                second: second.name.clone(),
                detail: format!(
                    "\"{}\" covers [{}, {}) and \"{}\" covers [{}, {}){of_variant}.",
                    first.name, first.min, first.max, second.name, second.min, second.max
                ),
            });
        }
    }
    Ok(())
}
