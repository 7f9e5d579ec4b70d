//! What a statement on a configuration table changed, read from its transition tables by the
//! configuration trigger (`triggers::config`): the schemes to re-segment, and the changes that
//! are refused.

use super::spi::{ok, register_transition_tables};
use crate::firing::FiringTrigger;
use pgrx::spi::Spi;

/// The first column of the first row of a query over the transition tables, as text.
fn first_text(trigger: &FiringTrigger<'_>, sql: &str) -> Option<String> {
    Spi::connect(|c| {
        register_transition_tables(trigger);
        ok(c.select(sql, Some(1), &[]))
            .next()
            .and_then(|row| ok(row.get::<String>(1)))
    })
}

/// Schemes a statement on `table` touched (every scheme, for a TRUNCATE: no trigger).
pub fn schemes_touched(
    table: &str,
    new_rows: bool,
    old_rows: bool,
    trigger: Option<&FiringTrigger<'_>>,
) -> Vec<i32> {
    Spi::connect(|c| {
        let query = match trigger {
            None => "SELECT scheme_id FROM segment.schemes ORDER BY 1".to_string(),
            Some(trigger) => {
                register_transition_tables(trigger);
                let column = match table {
                    "options" | "question_ranges" => "question_id",
                    "parameter_ranges" | "parameter_matches" => "parameter_id",
                    _ => "scheme_id",
                };
                let mut parts = Vec::new();
                if new_rows {
                    parts.push(format!("SELECT {column} FROM segment_new_rows"));
                }
                if old_rows {
                    parts.push(format!("SELECT {column} FROM segment_old_rows"));
                }
                if column == "parameter_id" {
                    format!(
                        "SELECT DISTINCT p.scheme_id FROM ({}) r \
                         JOIN segment.parameters p ON p.parameter_id = r.parameter_id ORDER BY 1",
                        parts.join(" UNION ALL ")
                    )
                } else if column == "question_id" {
                    format!(
                        "SELECT DISTINCT q.scheme_id FROM ({}) r \
                         JOIN segment.questions q ON q.question_id = r.question_id ORDER BY 1",
                        parts.join(" UNION ALL ")
                    )
                } else {
                    format!(
                        "SELECT DISTINCT scheme_id FROM ({}) r ORDER BY 1",
                        parts.join(" UNION ALL ")
                    )
                }
            }
        };
        ok(c.select(query.as_str(), None, &[]))
            .filter_map(|row| ok(row.get::<i32>(1)))
            .collect()
    })
}

/// A scheme whose row the running UPDATE on segment.schemes moved to another client table.
pub fn rebound_scheme(trigger: &FiringTrigger<'_>) -> Option<String> {
    first_text(
        trigger,
        "SELECT o.name FROM segment_old_rows o \
         JOIN segment_new_rows n ON n.scheme_id = o.scheme_id \
         WHERE n.entity_id <> o.entity_id LIMIT 1",
    )
}

/// A scheme whose row the running UPDATE on segment.schemes made a draft of another scheme, or
/// live, or a draft of a different scheme.
pub fn relinked_draft(trigger: &FiringTrigger<'_>) -> Option<String> {
    first_text(
        trigger,
        "SELECT o.name FROM segment_old_rows o \
         JOIN segment_new_rows n ON n.scheme_id = o.scheme_id \
         WHERE n.draft_of IS DISTINCT FROM o.draft_of LIMIT 1",
    )
}

/// A draft the running INSERT on segment.schemes adds that is a draft of no live scheme over
/// its own client table.
pub fn draft_of_nothing(trigger: &FiringTrigger<'_>) -> Option<String> {
    first_text(
        trigger,
        "SELECT n.name FROM segment_new_rows n WHERE n.draft_of IS NOT NULL \
           AND NOT EXISTS (SELECT 1 FROM segment.schemes l WHERE l.scheme_id = n.draft_of \
                           AND l.entity_id = n.entity_id AND l.draft_of IS NULL) LIMIT 1",
    )
}

/// Deletes the drafts of the live schemes the running DELETE on segment.schemes deletes, if
/// they have any (the DELETE fires this trigger again, for the drafts, which have none).
pub fn delete_drafts_of_deleted(trigger: &FiringTrigger<'_>) {
    let any = first_text(
        trigger,
        "SELECT EXISTS (SELECT 1 FROM segment.schemes d \
         WHERE d.draft_of IN (SELECT scheme_id FROM segment_old_rows))::text",
    );
    if any.as_deref() != Some("true") {
        return;
    }
    Spi::connect_mut(|c| {
        register_transition_tables(trigger);
        ok(c.update(
            "DELETE FROM segment.schemes WHERE draft_of IN (SELECT scheme_id FROM segment_old_rows)",
            None,
            &[],
        ));
    })
}

/// A question that the running UPDATE on segment.questions moved to a scheme over another
/// client table: (question code, its scheme before, that scheme's client table).
pub fn question_moved_to_other_table(
    trigger: &FiringTrigger<'_>,
) -> Option<(String, String, String)> {
    Spi::connect(|c| {
        register_transition_tables(trigger);
        ok(c.select(
            "SELECT o.code, so.name, e.client_table::text \
             FROM segment_old_rows o JOIN segment_new_rows n ON n.question_id = o.question_id \
             JOIN segment.schemes so ON so.scheme_id = o.scheme_id \
             JOIN segment.schemes sn ON sn.scheme_id = n.scheme_id \
             JOIN segment.entities e ON e.entity_id = so.entity_id \
             WHERE sn.entity_id <> so.entity_id LIMIT 1",
            Some(1),
            &[],
        ))
        .next()
        .map(|row| {
            (
                ok(row.get::<String>(1)).unwrap_or_default(),
                ok(row.get::<String>(2)).unwrap_or_default(),
                ok(row.get::<String>(3)).unwrap_or_default(),
            )
        })
    })
}

/// Whether the running UPDATE on `table` (schemes or questions) changed an id: a row whose id
/// changed cannot be paired with its old self, so its moves could not be checked.
pub fn ids_changed(trigger: &FiringTrigger<'_>, table: &str) -> bool {
    let id = if table == "schemes" {
        "scheme_id"
    } else {
        "question_id"
    };
    let sql = format!(
        "SELECT EXISTS (SELECT {id} FROM segment_new_rows EXCEPT SELECT {id} FROM segment_old_rows)::text"
    );
    first_text(trigger, &sql).as_deref() == Some("true")
}

/// A client table the running INSERT on segment.schemes binds a new scheme to without the
/// inserting role holding REFERENCES and TRIGGER on it (what segment.create_scheme checks). A
/// draft of a live scheme over the same table binds nothing new (segment.create_draft).
pub fn scheme_bound_without_rights(trigger: &FiringTrigger<'_>) -> Option<String> {
    first_text(
        trigger,
        "SELECT e.client_table::text FROM segment_new_rows n \
         JOIN segment.entities e ON e.entity_id = n.entity_id \
         WHERE NOT (pg_catalog.has_table_privilege(e.client_table, 'REFERENCES') \
                    AND pg_catalog.has_table_privilege(e.client_table, 'TRIGGER')) \
           AND NOT EXISTS (SELECT 1 FROM segment.schemes l WHERE l.scheme_id = n.draft_of \
                           AND l.entity_id = n.entity_id AND l.draft_of IS NULL) LIMIT 1",
    )
}

/// Whether the running UPDATE on segment.questions or segment.options changed values only
/// (weights, points, codes, texts, positions) and moved no question to another scheme, group
/// or requirement and no option to another question or id: then scores move by the changed
/// values alone.
pub fn values_only(trigger: &FiringTrigger<'_>, table: &str) -> bool {
    let sql = if table == "questions" {
        "SELECT (NOT EXISTS (SELECT 1 FROM segment_new_rows n \
                 JOIN segment_old_rows o ON o.question_id = n.question_id \
                 WHERE n.scheme_id <> o.scheme_id OR n.required <> o.required \
                    OR n.group_id IS DISTINCT FROM o.group_id))::text"
    } else {
        "SELECT ((SELECT pg_catalog.count(*) FROM segment_new_rows) = \
                 (SELECT pg_catalog.count(*) FROM segment_new_rows n \
                  JOIN segment_old_rows o ON o.option_id = n.option_id \
                   AND o.question_id = n.question_id))::text"
    };
    first_text(trigger, sql).as_deref() == Some("true")
}
