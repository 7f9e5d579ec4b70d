//! What runs when a scheme changes: re-segmenting every client of the scheme (from the answers,
//! or from the stored scores when only levels changed), and purging what a dropped scheme
//! leaves behind.
//!
//! Each locks the entity's answers table against writers first (SHARE ROW EXCLUSIVE, which
//! writers' ROW EXCLUSIVE conflicts with), so no answer can be written under the old
//! configuration and committed after the change, and then runs under a snapshot taken after
//! the lock (`latest`): under REPEATABLE READ the transaction's own snapshot may miss answers
//! committed before the lock was granted.

use super::catalog::entity_from_row;
use super::latest;
use super::parameters;
use super::query::{self, for_entity, render};
use super::spi::{ok, register_transition_tables};
use crate::entity::Entity;
use crate::error::OrRaise;
use crate::firing::FiringTrigger;
use crate::security::ActingAs;
use pgrx::pg_sys;
use pgrx::spi::{Spi, SpiClient};

/// Re-segments every client of a scheme from scratch, from its answers and its parameters
/// evaluated anew; returns how many changed. A scheme with parameters locks the client table
/// and its related tables against writers too (before the answers, the order in which an
/// application inserts a client and then its answers), so no row they read changes between
/// the evaluation and the write.
///
/// `parameters_changed`: the change was to parameters (perhaps dropping the last one), so
/// the client table is locked even when none is left.
pub fn recompute_scheme(
    entity: &Entity,
    scheme_id: i32,
    cause: &str,
    parameters_changed: bool,
) -> i64 {
    let with_parameters = parameters::scheme_has_parameters(scheme_id);
    if with_parameters || parameters_changed {
        parameters::lock_parameter_tables(entity, scheme_id);
    }
    Spi::connect_mut(|c| lock_answers(c, entity));
    if ruled_now(scheme_id) {
        return recompute_ruled(entity, scheme_id, None, cause);
    }
    let sql = for_entity(query::RECOMPUTE_SCHEME, entity);
    let values = if with_parameters {
        parameters::evaluate(entity, scheme_id, None)
    } else {
        parameters::ParameterValues::default()
    };
    let [clients, ids, vals] = values.arguments();
    Spi::connect_mut(|_| {
        count_of(&latest::run(
            &sql,
            &[scheme_id.into(), cause.into(), clients, ids, vals],
            true,
        ))
    })
}

/// Whether a scheme is ruled (groups, required questions, forced levels: `linear_scheme.sql`),
/// from the compiled configuration: its clients are never moved by deltas, but recomputed
/// (`recompute_ruled`).
pub fn is_ruled(scheme_id: i32) -> bool {
    super::compiled::get().is_ok_and(|config| config.ruled_schemes.contains(&scheme_id))
}

/// Whether a scheme is ruled, read under a snapshot taken now: a configuration statement's
/// trigger asks before the compiled configuration has seen the statement's own rows.
pub fn ruled_now(scheme_id: i32) -> bool {
    let sql = render(
        "SELECT CAST(NOT {{linear_scheme}} AS text) FROM segment.schemes sc WHERE sc.scheme_id = $1",
        &[],
    );
    Spi::connect(|_| {
        latest::run(&sql, &[scheme_id.into()], false)
            .first()
            .and_then(|row| latest::parse::<bool>(row, 0))
            .unwrap_or(false)
    })
}

/// The ruled schemes of an entity, in id order.
pub fn ruled_scheme_ids(entity_id: i32) -> Vec<i32> {
    super::compiled::get()
        .map(|config| config.entity_schemes(&config.ruled_schemes, entity_id))
        .unwrap_or_default()
}

/// Re-scores clients of a ruled scheme from scratch (`recompute_ruled.sql`): `clients` (text
/// forms of their keys), or every client of the scheme; their parameters evaluated anew.
/// Returns how many changed. The caller holds what keeps the clients' data still: the answers
/// locked against writers (a configuration change), or the clients' rows locked (a write of
/// their answers or data), so the snapshot taken here sees every committed change of them.
pub fn recompute_ruled(
    entity: &Entity,
    scheme_id: i32,
    clients: Option<&[String]>,
    cause: &str,
) -> i64 {
    let with_parameters = parameters::scheme_has_parameters(scheme_id);
    let values = if with_parameters {
        parameters::evaluate(entity, scheme_id, clients)
    } else {
        parameters::ParameterValues::default()
    };
    let scope = match clients {
        Some(_) => query::RULED_SCOPE_CLIENTS,
        None => query::RULED_SCOPE_ALL,
    };
    // The column that selects the scheme's variants: for a write's clients, as the compiled
    // configuration holds it (no query on every write); for a configuration change's
    // re-segmentation, as its own statement left it (not compiled yet).
    let column = match clients {
        Some(_) => super::compiled::get()
            .or_raise()
            .variant_columns
            .get(&scheme_id)
            .cloned(),
        None => super::variants::variant_column_now(scheme_id),
    };
    let variants = ruled_variants(column);
    let parts = ruled_parts(entity, scope, &variants, with_parameters);
    let sql = render(query::RECOMPUTE_RULED, &parts);
    let [keys, ids, vals] = values.arguments();
    let mut args = vec![scheme_id.into(), cause.into(), keys, ids, vals];
    if let Some(clients) = clients {
        args.push(clients.to_vec().into());
    }
    // a few clients (a write's) run a kept plan; many are planned afresh with the list's real
    // size, and every client with the scheme's real statistics
    let few = clients.is_some_and(|c| !parameters::many(c.len()));
    let run = || {
        Spi::connect_mut(|_| {
            count_of(&if few {
                latest::run_kept(&sql, &args, true)
            } else {
                latest::run(&sql, &args, true)
            })
        })
    };
    if few {
        return with_variant_settings(&variants, run);
    }
    // Many clients: the statement's joins hash, never loop (planned with nested loops on the
    // statistics of a bulk load of answers, a COPY of a million answers ran minutes instead of
    // seconds).
    crate::security::with_hash_joins(|| with_variant_settings(&variants, run))
}

/// The variant parts of recompute_ruled.sql for a scheme whose variants `column` selects.
pub(super) fn ruled_variants(column: Option<String>) -> super::variants::VariantParts {
    super::variants::VariantParts::of(column, "cv.variant_id", "cv.variant_id", "cv.variant_id")
}

/// The parts of recompute_ruled.sql: the entity's relations, the clients' `scope`, the
/// variants, and no parameters when the scheme has none.
pub(super) fn ruled_parts<'a>(
    entity: &'a Entity,
    scope: &'static str,
    variants: &'a super::variants::VariantParts,
    with_parameters: bool,
) -> Vec<(&'static str, query::Part<'a>)> {
    let mut parts = query::entity_parts(entity).to_vec();
    parts.push(("scope", query::Part::Fragment(scope)));
    variants.push(&mut parts);
    if !with_parameters {
        parts.push((
            "parameter_values",
            query::Part::Fragment(query::NO_PARAMETER_VALUES),
        ));
        parts.push((
            "parameter_points",
            query::Part::Fragment(query::NO_PARAMETERS),
        ));
    }
    parts
}

/// Runs `f` under the fixed settings a variant column's value is compared in (its text form),
/// when the scheme selects variants.
pub(super) fn with_variant_settings<R>(
    variants: &super::variants::VariantParts,
    f: impl FnOnce() -> R,
) -> R {
    if variants.selects_variants() {
        crate::security::with_value_settings(f)
    } else {
        f()
    }
}

/// After a change of levels only: each client's segment from its stored score; returns how many
/// changed.
pub fn relevel_scheme(entity: &Entity, scheme_id: i32, cause: &str) -> i64 {
    let sql = for_entity(query::RELEVEL_SCHEME, entity);
    Spi::connect_mut(|c| {
        lock_answers(c, entity);
        analyze_uncounted(c, &[entity.assignments_oid]);
        count_of(&latest::run(&sql, &[scheme_id.into(), cause.into()], true))
    })
}

/// After an UPDATE of weights (`questions`) or points (`options`) that moved nothing else
/// (`values_only`): each client that chose a changed option or answered a reweighted question
/// moves by exactly that change; nobody else is read. Returns how many clients changed.
pub fn shift_scheme(
    entity: &Entity,
    scheme_id: i32,
    cause: &str,
    trigger: &FiringTrigger<'_>,
    table: &str,
) -> i64 {
    let per_answer = if table == "questions" {
        query::WEIGHT_DELTAS
    } else {
        query::POINTS_DELTAS
    };
    // One row changed (an UPDATE's old and new row): a client has at most one answer that
    // carries it, so the per-answer deltas need no summing, and no aggregate over every
    // moved client (which spills to disk when many move).
    let deltas = if trigger.transition_rows() <= 2 {
        per_answer
    } else {
        query::SUMMED_DELTAS
    };
    let mut parts = query::entity_parts(entity).to_vec();
    parts.push(("per_answer", query::Part::Fragment(per_answer)));
    parts.push(("deltas", query::Part::Fragment(deltas)));
    let probe = render(query::MOVES_FEW, &parts);
    Spi::connect_mut(|c| {
        register_transition_tables(trigger);
        lock_answers(c, entity);
        analyze_uncounted(
            c,
            &[entity.assignments_oid, entity.answers_oid, entity.picks_oid],
        );
        // Few clients move (an option a tenth of them chose): each one's assignment is found by
        // its key. Left to the planner, the statement hashed every assignment of the table to
        // find them, a cost of the whole base.
        let args = [scheme_id.into(), entity.assignments_oid.into()];
        let moved_assignments = if count_of(&latest::run(&probe, &args, false)) == 1 {
            query::MOVED_ASSIGNMENTS_BY_KEY
        } else {
            query::MOVED_ASSIGNMENTS_JOINED
        };
        parts.push((
            "moved_assignments",
            query::Part::Fragment(moved_assignments),
        ));
        let sql = render(query::SHIFT_SCORES, &parts);
        count_of(&latest::run(&sql, &[scheme_id.into(), cause.into()], true))
    })
}

fn count_of(rows: &latest::TextRows) -> i64 {
    rows.first()
        .and_then(|row| latest::parse::<i64>(row, 0))
        .unwrap_or(0)
}

/// Locks out writers of the entity's answers until the transaction ends, and so writers of its
/// picks too: a statement on the picks locks the answers as a writer first
/// (`triggers::answers::_picks_changing`).
fn lock_answers(c: &mut SpiClient<'_>, entity: &Entity) {
    let sql = for_entity("LOCK TABLE {{answers}} IN SHARE ROW EXCLUSIVE MODE", entity);
    ok(c.update(sql.as_str(), None, &[]));
}

/// `lock_answers` in an SPI connection of its own.
pub(super) fn lock_entity_answers(entity: &Entity) {
    Spi::connect_mut(|c| lock_answers(c, entity));
}

/// Analyses those of `relations` whose statistics count no row, or have no column statistics,
/// while they hold pages (`uncounted_relations.sql`), before a statement that moves clients is planned on them. On
/// such estimates the planner put the moved clients on the outer side of a nested loop whose
/// inner side read every moved row id again, or drove the statement from a scan of every
/// assignment: a level change over a million clients ran 47 s instead of 1.5 after an
/// autoanalyze during a bulk load, a points change over a minute. (ANALYZE samples a bounded
/// number of rows, and such statistics are rare: right after a load, or never analysed.)
fn analyze_uncounted(c: &mut SpiClient<'_>, relations: &[pg_sys::Oid]) {
    let relations: Vec<pg_sys::Oid> = relations
        .iter()
        .copied()
        .filter(|oid| *oid != pg_sys::InvalidOid)
        .collect();
    for name in latest::first_column::<String>(&latest::run(
        query::UNCOUNTED_RELATIONS,
        &[relations.into()],
        false,
    )) {
        ok(c.update(&format!("ANALYZE {name}"), None, &[]));
    }
}

/// Removes the assignments and history of the schemes the running DELETE on segment.schemes
/// deleted (or, for TRUNCATE, no trigger: of every scheme that no longer exists).
///
/// A writer that scored an answer of a deleted scheme before the delete but commits after it
/// would otherwise leave its assignment and history row behind: hence the lock.
pub fn purge_deleted_schemes(trigger: Option<&FiringTrigger<'_>>) {
    Spi::connect_mut(|c| {
        let of_deleted = match trigger {
            Some(trigger) => {
                register_transition_tables(trigger);
                "e.entity_id IN (SELECT entity_id FROM segment_old_rows)"
            }
            None => "true",
        };
        // (an entity whose tables are gone is being dropped with its client table; one that
        // only lost drafts, which score nobody, keeps its writers going)
        let live = match trigger {
            Some(_) => {
                "EXISTS (SELECT 1 FROM segment_old_rows o \
                 WHERE o.entity_id = e.entity_id AND o.draft_of IS NULL)"
            }
            None => "true",
        };
        let sql = render(
            "SELECT CAST({{live}} AS text), {{entity_columns}} FROM segment.entities e \
             WHERE {{of_deleted}} AND EXISTS \
             (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.assignments_table) \
             AND EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = e.history_table) \
             ORDER BY e.entity_id",
            &[
                ("of_deleted", query::Part::Fragment(of_deleted)),
                ("live", query::Part::Fragment(live)),
            ],
        );
        let entities: Vec<(bool, Entity)> = ok(c.select(sql.as_str(), None, &[]))
            .map(|row| {
                let live = ok(row.get::<String>(1)).as_deref() == Some("true");
                (live, entity_from_row(&row, 2))
            })
            .collect();
        for (live, e) in entities {
            let _owner = ActingAs::role(e.owner);
            if !live {
                delete_orphaned_values(&e, false);
                continue;
            }
            lock_answers(c, &e);
            delete_orphaned_values(&e, true);
            for relation in [&e.assignments, &e.history] {
                let template = match trigger {
                    Some(_) => {
                        "DELETE FROM {{table}} WHERE scheme_id IN \
                         (SELECT scheme_id FROM segment_old_rows)"
                    }
                    None => {
                        "DELETE FROM {{table}} t WHERE NOT EXISTS \
                         (SELECT 1 FROM segment.schemes s WHERE s.scheme_id = t.scheme_id)"
                    }
                };
                let sql = render(template, &[("table", query::Part::Relation(relation))]);
                latest::run(&sql, &[], true);
            }
        }
    })
}

/// Deletes the entity's answers to number questions that no longer exist: an option's answers
/// go with it through the answers' foreign key, a value has none. (Its answers trigger finds
/// nothing to score in them.) The answers are locked against writers first, and the rows are
/// found under a snapshot taken then, so that a value a writer was adding meanwhile goes too;
/// not with `lock` false, for a draft's questions, which no writer scores. Runs with the
/// caller's rights: the entity's owner.
pub fn delete_orphaned_values(entity: &Entity, lock: bool) {
    let sql = render(
        "DELETE FROM {{answers}} a WHERE a.option_id IS NULL AND NOT EXISTS \
         (SELECT 1 FROM segment.questions q WHERE q.question_id = a.question_id)",
        &[("answers", query::Part::Relation(&entity.answers))],
    );
    Spi::connect_mut(|c| {
        if lock {
            lock_answers(c, entity);
        }
        latest::run(&sql, &[], true);
    });
}
