//! Drafts (sql/drafts.sql): publishing one into its live scheme with one re-segmentation, and
//! previewing, without writing, what that re-segmentation would change.

use super::latest;
use super::parameters;
use super::query::{self, render};
use super::resegment;
use super::spi::{ok, value};
use crate::entity::{Entity, Scheme};
use crate::security::{as_role, with_bulk_settings};
use pgrx::pg_sys;
use pgrx::spi::Spi;
use std::cell::Cell;

/// A live scheme being published, and the answers and picks tables of its client table.
#[derive(Clone, Copy)]
struct Target {
    scheme_id: i32,
    answers: pg_sys::Oid,
    picks: pg_sys::Oid,
}

thread_local! {
    /// The live scheme this backend is publishing into. The trigger of each configuration
    /// statement of the publish checks its levels but leaves re-segmenting to the publisher,
    /// which re-segments once, when the whole draft is in place; so does the answers trigger
    /// for the answers the publish's deletes take along.
    static PUBLISHING: Cell<Option<Target>> = const { Cell::new(None) };
}

/// Whether this backend is publishing a draft into the scheme.
pub fn publishing(scheme_id: i32) -> bool {
    PUBLISHING.with(|p| p.get().is_some_and(|t| t.scheme_id == scheme_id))
}

/// Whether this backend is publishing into a scheme whose answers (or picks) table is `relid`:
/// the answers a publish deletes with its questions and options are the published scheme's,
/// whose clients the publisher re-segments once at the end.
pub fn publishing_into(relid: pg_sys::Oid) -> bool {
    PUBLISHING.with(|p| {
        p.get().is_some_and(|t| {
            t.answers == relid || (t.picks != pg_sys::InvalidOid && t.picks == relid)
        })
    })
}

/// Marks a scheme as being published while it lives, and restores the mark it found when
/// dropped: at the end of the publish, or as an error unwinds through it.
struct Publishing(Option<Target>);

impl Publishing {
    fn start(scheme: &Scheme) -> Publishing {
        let target = Target {
            scheme_id: scheme.scheme_id,
            answers: scheme.entity.answers_oid,
            picks: scheme.entity.picks_oid,
        };
        Publishing(PUBLISHING.with(|p| p.replace(Some(target))))
    }
}

impl Drop for Publishing {
    fn drop(&mut self) {
        PUBLISHING.with(|p| p.set(self.0));
    }
}

/// Makes the scheme document `document` (segment.export_scheme's shape, as text) the live
/// configuration of `scheme`: its configuration cleared down to the inputs the document keeps
/// by code and filled from the document, with the caller's rights and checks
/// (`segment._clear_configuration`, `segment._apply_document`); then, as the owner of its
/// relations, every client re-segmented once with history cause `publish` under the version
/// bumped once. Returns how many clients changed segment.
///
/// The document's format, keys and lists are checked first (22023). Then the scheme's row is
/// locked (a second publisher, or any configuration change of the scheme, waits), then the
/// client table and the tables the old and the new parameters read, and last the answers
/// table, against writers (in the order every re-segmentation takes them): no answer or
/// client row scored under the old configuration commits after the new one.
pub fn publish_document(scheme: &Scheme, document: &str) -> i64 {
    let entity = &scheme.entity;
    Spi::connect(|c| {
        ok(c.select(
            "SELECT segment._document_checked(CAST($1 AS jsonb))",
            None,
            &[document.into()],
        ));
    });
    let active = super::maintenance_active(entity);
    let Some(version) = super::bump_version(scheme.scheme_id) else {
        return 0; // deleted meanwhile (its row was looked up under an older snapshot)
    };
    let last_history_id = if active {
        let sources = sources_read(scheme.scheme_id, document);
        as_role(entity.owner, || {
            parameters::lock_client_and_sources(entity, &sources);
            resegment::lock_entity_answers(entity);
            last_history_id(entity)
        })
    } else {
        0
    };
    {
        let _publishing = Publishing::start(scheme);
        Spi::connect_mut(|c| {
            let args = [scheme.scheme_id.into(), document.into()];
            ok(c.update(
                "SELECT segment._clear_configuration($1, CAST($2 AS jsonb))",
                None,
                &args,
            ));
            ok(c.update(
                "UPDATE segment.schemes SET description = CAST($2 AS jsonb) ->> 'description' \
                 WHERE scheme_id = $1",
                None,
                &args,
            ));
            ok(c.update(
                "SELECT segment._apply_document($1, CAST($2 AS jsonb))",
                None,
                &[scheme.name.as_str().into(), document.into()],
            ));
        });
    }
    if !active {
        return 0;
    }
    as_role(entity.owner, || {
        with_bulk_settings(|| {
            resegment::recompute_scheme(entity, scheme.scheme_id, "publish", true);
        });
        segment_changes(entity, scheme.scheme_id, version, last_history_id)
    })
}

/// The tables the scheme's parameters read now and those the document's read (that exist), as
/// OIDs in ascending order.
fn sources_read(scheme_id: i32, document: &str) -> Vec<pg_sys::Oid> {
    let rows = Spi::connect(|_| {
        latest::run(
            "SELECT CAST(CAST(t AS oid) AS text) FROM ( \
                 SELECT source AS t FROM segment.parameters WHERE scheme_id = $1 \
                 UNION SELECT pg_catalog.to_regclass(p ->> 'source') \
                 FROM pg_catalog.jsonb_array_elements( \
                     COALESCE(CAST($2 AS jsonb) -> 'parameters', '[]')) p) s \
             WHERE t IS NOT NULL ORDER BY CAST(t AS oid)",
            &[scheme_id.into(), document.into()],
            false,
        )
    });
    latest::first_column::<u32>(&rows)
        .into_iter()
        .map(pg_sys::Oid::from)
        .collect()
}

/// The highest history id of the entity so far (0 for none). (A row another transaction
/// commits later has a higher id but is not the publish's: `segment_changes` tells them apart
/// by version and cause.)
fn last_history_id(entity: &Entity) -> i64 {
    let sql = query::for_entity(
        "SELECT COALESCE(pg_catalog.max(history_id), 0) FROM {{history}}",
        entity,
    );
    value::<i64>(&sql, &[]).unwrap_or(0)
}

/// How many history rows of the publish (after `after`, of the scheme, cause publish, at
/// `version`) record a change of segment.
fn segment_changes(entity: &Entity, scheme_id: i32, version: i32, after: i64) -> i64 {
    let sql = query::for_entity(
        "SELECT pg_catalog.count(*) FROM {{history}} \
         WHERE history_id > $1 AND scheme_id = $2 AND version = $3 AND cause = 'publish' \
           AND old_segment IS DISTINCT FROM new_segment",
        entity,
    );
    value::<i64>(&sql, &[after.into(), scheme_id.into(), version.into()]).unwrap_or(0)
}

/// What segment.preview and segment.preview_transitions compute.
#[derive(Clone, Copy)]
pub enum Preview {
    /// the clients whose score or segment would change (preview_changes.sql)
    Changes,
    /// how many clients would move from each segment to each (preview_transitions.sql)
    Transitions,
}

/// Every client of the live scheme `live_id` re-segmented under the draft `draft`'s
/// configuration, set-based and without writing (recompute_ruled.sql over preview_scope.sql:
/// the live answers as answers to the draft's questions of the same codes, the live
/// assignments as the draft's, the draft's parameters evaluated anew), under a snapshot taken
/// now, with the caller's rights. Rows as text, in the columns of `what`.
pub fn preview(draft: &Scheme, live_id: i32, what: Preview) -> latest::TextRows {
    let entity = &draft.entity;
    let with_parameters = parameters::scheme_has_parameters(draft.scheme_id);
    let values = if with_parameters {
        parameters::evaluate(entity, draft.scheme_id, None)
    } else {
        parameters::ParameterValues::default()
    };
    let variants = resegment::ruled_variants(super::variants::variant_column_now(draft.scheme_id));
    let mut parts =
        resegment::ruled_parts(entity, query::PREVIEW_SCOPE, &variants, with_parameters);
    let tail = match what {
        Preview::Changes => query::PREVIEW_CHANGES,
        Preview::Transitions => query::PREVIEW_TRANSITIONS,
    };
    // (named first, so it stands in for write_recomputed.sql)
    parts.insert(0, ("write_recomputed", query::Part::Fragment(tail)));
    let sql = render(query::RECOMPUTE_RULED, &parts);
    let [keys, ids, vals] = values.arguments();
    let args = [
        draft.scheme_id.into(),
        "preview".into(),
        keys,
        ids,
        vals,
        live_id.into(),
    ];
    // every client is read: the joins hash, never loop (as in a re-segmentation)
    crate::security::with_hash_joins(|| {
        resegment::with_variant_settings(&variants, || {
            Spi::connect(|_| latest::run(&sql, &args, false))
        })
    })
}
