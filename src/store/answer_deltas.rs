//! How an answers statement is applied with SQL: the second and third tiers of the answers
//! trigger (`triggers::answers` chooses the tier).
//!
//! - **Known delta**: one changed answer of one client. The engine works out the score change
//!   from the compiled configuration; one kept statement applies it.
//! - **Set-based**: any number of rows. One statement sums the changes per scheme and client
//!   from the transition tables; statements of up to `SMALL_STATEMENT_ROWS` rows run a kept
//!   plan, bigger ones are planned afresh with the transition tables' real sizes, so a plan
//!   made for one row never runs a million.
//!
//! Both end in `apply_deltas.sql`, which upserts the assignments and appends the history, and
//! delete the assignments left without answers.

use super::compiled;
use super::plans::{kept_plan, NO_TRANSITION_TABLES};
use super::query::{self, for_entity, render, Part};
use super::spi::{ok, register_transition_tables, with_pinned_search_path};
use crate::client_key::ClientKey;
use crate::engine::AnswerDelta;
use crate::entity::Entity;
use crate::error::{Result, SegmentError};
use crate::firing::{AnswerChange, FiringTrigger};
use crate::security::as_role;
use pgrx::pg_sys;
use pgrx::spi::{Spi, SpiClient};
use pgrx::PgOid;

/// Statements with up to this many transition rows run a kept plan.
const SMALL_STATEMENT_ROWS: i64 = 16;

/// The one changed answer of a single-row statement: (whether it is a plain change of one
/// client's option for one question, question id, new option, old option). A number answer's
/// value is not plain: SQL scores it (and refuses a value for a choice question).
fn single_answer_sql(e: &Entity, change: AnswerChange) -> String {
    match change {
        AnswerChange::Insert => {
            "SELECT value IS NULL, question_id, option_id, NULL::integer FROM segment_new_rows"
                .to_string()
        }
        AnswerChange::Delete => for_entity(
            "SELECT r.value IS NULL AND EXISTS (SELECT 1 FROM {{client_table}} c \
                                                WHERE c.{{key_column}} = r.client_id), \
                    r.question_id, NULL::integer, r.option_id \
             FROM segment_old_rows r",
            e,
        ),
        AnswerChange::Update => {
            "SELECT n.client_id = o.client_id AND n.question_id = o.question_id \
                    AND n.value IS NULL AND o.value IS NULL, \
                    n.question_id, n.option_id, o.option_id \
             FROM segment_new_rows n, segment_old_rows o"
                .to_string()
        }
    }
}

/// What the known-delta tier did with the running statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnownDelta {
    /// applied (or nothing to apply)
    Applied,
    /// a plain change of one client's answer to a question of a ruled scheme: no delta applies;
    /// the client (its key in text form) is to be recomputed
    Ruled(String),
    /// not a statement this tier takes: nothing written
    Declined,
}

/// The known-delta tier: applies the one changed answer of the running statement with the
/// compiled configuration. Declines (nothing written) when the statement is not a plain
/// change of one answer, or the configuration does not know its question; a question of a
/// ruled scheme leaves its client to be recomputed (such an answer needs none of the checks
/// the set-based tier makes: the question is a single-choice one of this client table, and the
/// answers' foreign key holds its option to it).
#[inline(never)] // out of line, so that profiles (bench/profile.py) name it
pub fn apply_known_delta(
    entity: &Entity,
    trigger: &FiringTrigger<'_>,
    change: AnswerChange,
) -> Result<KnownDelta> {
    Spi::connect_mut(|c| {
        register_transition_tables(trigger);
        let scope = entity.answers_oid;
        let plan = kept_plan(c, scope, &single_answer_sql(entity, change), &[], false);
        let row = ok(c.select(&*plan, None, &[]));
        let row = row.first();
        let plain = ok(row.get::<bool>(1)).unwrap_or(false);
        let question_id = ok(row.get::<i32>(2));
        let (new_option, old_option) = (ok(row.get::<i32>(3)), ok(row.get::<i32>(4)));
        let Some(question_id) = question_id.filter(|_| plain) else {
            return Ok(KnownDelta::Declined);
        };
        let config = compiled::get()?;
        if config.ruled_question(entity.entity_id, question_id) {
            // the key printed again as every session parses it back (ISO dates, UTC, exact
            // floats): the recompute may read it under other settings than this session's
            let rows = if change.has_new() {
                "segment_new_rows"
            } else {
                "segment_old_rows"
            };
            let client = crate::security::with_value_settings(|| {
                ok(c.select(
                    &format!("SELECT CAST(client_id AS text) FROM {rows} LIMIT 1"),
                    None,
                    &[],
                ))
                .first()
                .get_one::<String>()
            });
            return Ok(KnownDelta::Ruled(ok(client).unwrap_or_default()));
        }
        let Some(delta) =
            config.answer_delta(entity.entity_id, question_id, new_option, old_option)?
        else {
            return Ok(KnownDelta::Declined);
        };
        if delta.score.is_zero() && delta.answered == 0 {
            return Ok(KnownDelta::Applied); // the same points as before: nothing changes
        }
        let rows = if change.has_new() {
            "segment_new_rows"
        } else {
            "segment_old_rows"
        };
        apply_delta(c, entity, &delta, Part::Identifier(rows), None);
        Ok(KnownDelta::Applied)
    })
}

/// Applies a known score change to the client `changed_client` names: $6, `client`, when
/// given, else a transition row.
fn apply_delta(
    c: &mut SpiClient<'_>,
    entity: &Entity,
    delta: &AnswerDelta,
    changed_client: Part<'_>,
    client: Option<ClientKey>,
) {
    let mut parts = query::entity_parts(entity).to_vec();
    parts.push(("changed_client", changed_client));
    let sql = render(query::KNOWN_DELTA, &parts);
    let mut types = [
        pg_sys::INT4OID,
        pg_sys::TEXTOID,
        pg_sys::TEXTOID,
        pg_sys::INT4OID,
        pg_sys::INT4OID,
    ]
    .map(PgOid::from)
    .to_vec();
    types.extend(client.map(|k| PgOid::from(k.type_oid())));
    let scope = if client.is_some() {
        NO_TRANSITION_TABLES
    } else {
        entity.answers_oid
    };
    let plan = kept_plan(c, scope, &sql, &types, true);
    let score = delta.score.to_string();
    let mut args = vec![
        delta.scheme_id.into(),
        "answer".into(),
        score.as_str().into(),
        delta.answered.into(),
        delta.version.into(),
    ];
    args.extend(client.map(|k| k.param()));
    let emptied = ok(ok(c.update(&*plan, None, &args))
        .first()
        .get_one::<Vec<String>>());
    delete_emptied(c, entity, emptied);
}

/// Applies a known score change of one client whose answer `segment.answer()` wrote directly
/// (`direct::GivenAnswer::NeedsDelta`), as the owner of the entity's relations with the pinned
/// search path, as the answers trigger's SQL tiers run.
pub fn apply_given_delta(entity: &Entity, client: ClientKey, delta: &AnswerDelta) {
    with_pinned_search_path(|| {
        as_role(entity.owner, || {
            Spi::connect_mut(|c| {
                let given = Part::Fragment(query::GIVEN_CLIENT);
                apply_delta(c, entity, delta, given, Some(client));
            })
        })
    })
}

/// What the set-based tier found wrong with the statement's new rows: the caller refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MisfitAnswer {
    /// the first question that belongs to a scheme over another client table
    ForeignQuestion(i32),
    /// the first question a value was given for that is not a number question of this client
    /// table (or no question at all)
    ValueNotNumber(i32),
    /// the first question an option was chosen for in the wrong table: a multiple-choice
    /// question's in the answers table, or another question's in the picks table
    OptionOfOtherKind(i32),
}

/// The set-based tier: applies every row of the running statement (`rows` transition rows).
/// Returns what is wrong with its new rows, if anything: the caller refuses the statement.
#[inline(never)] // out of line, so that profiles (bench/profile.py) name it
pub fn apply_set_based(
    entity: &Entity,
    trigger: &FiringTrigger<'_>,
    change: AnswerChange,
    rows: i64,
    relid: pg_sys::Oid,
) -> Option<MisfitAnswer> {
    let changes = match change {
        AnswerChange::Insert => query::ANSWER_CHANGES_INSERT,
        AnswerChange::Update => query::ANSWER_CHANGES_UPDATE,
        AnswerChange::Delete => query::ANSWER_CHANGES_DELETE,
    };
    let mut parts = query::entity_parts(entity).to_vec();
    parts.push(("changes", Part::Fragment(changes)));
    parts.push(("value", super::client_rows::value_column(entity, relid)));
    let sql = render(query::ANSWER_DELTAS, &parts);
    let option_kind = if entity.is_picks(relid) {
        "multiple"
    } else {
        "single"
    };
    Spi::connect_mut(|c| {
        register_transition_tables(trigger);
        let args = [entity.entity_id.into(), "answer".into(), option_kind.into()];
        let row = if rows <= SMALL_STATEMENT_ROWS {
            let types = [pg_sys::INT4OID, pg_sys::TEXTOID, pg_sys::TEXTOID].map(PgOid::from);
            // one kept plan per table the trigger fires on (their transition tables differ)
            let plan = kept_plan(c, relid, &sql, &types, true);
            ok(c.update(&*plan, None, &args))
        } else {
            ok(c.update(sql.as_str(), None, &args))
        };
        let first = row.first();
        let (foreign_question, emptied, value_not_number) =
            ok(first.get_three::<i32, Vec<String>, i32>());
        let option_of_other_kind = ok(first.get::<i32>(4));
        delete_emptied(c, entity, emptied);
        foreign_question
            .map(MisfitAnswer::ForeignQuestion)
            .or(value_not_number.map(MisfitAnswer::ValueNotNumber))
            .or(option_of_other_kind.map(MisfitAnswer::OptionOfOtherKind))
    })
}

/// Clients left without any input (no answer, no parameter value) are not categorized any
/// more: their assignments go, found by key (`emptied`: the clients' keys in text form). No
/// index covers `answered`, so that the updates that change it stay HOT.
pub(super) fn delete_emptied(c: &mut SpiClient<'_>, entity: &Entity, emptied: Option<Vec<String>>) {
    let Some(emptied) = emptied.filter(|keys| !keys.is_empty()) else {
        return;
    };
    let sql = format!(
        "DELETE FROM {} WHERE client_id {} AND answered <= 0 AND parameter_score IS NULL",
        entity.assignments,
        super::keys::in_keys(entity, "$1")
    );
    let plan = kept_plan(
        c,
        NO_TRANSITION_TABLES,
        &sql,
        &[PgOid::from(pg_sys::TEXTARRAYOID)],
        true,
    );
    ok(c.update(&*plan, None, &[emptied.into()]));
}

/// Whether the running transaction reads under one snapshot (REPEATABLE READ, SERIALIZABLE).
pub fn isolation_uses_transaction_snapshot() -> bool {
    // SAFETY: reads a backend global.
    unsafe { pg_sys::XactIsoLevel >= pg_sys::XACT_REPEATABLE_READ as i32 }
}

/// Refuses with 40001 when the transaction's snapshot shows another configuration of the
/// entity's schemes than the latest committed one (which `compiled::get` reads under a
/// snapshot taken now): scoring this write with the old configuration would commit a stale
/// score, and the re-segmentation that the change ran could not see this write.
pub fn check_configuration_current(entity: &Entity) -> Result<()> {
    let latest = compiled::get()?;
    let seen: Vec<(i32, String, i32)> = Spi::connect(|c| {
        ok(c.select(
            // (drafts score nobody: their edits leave writers alone)
            "SELECT scheme_id, name, version FROM segment.schemes \
             WHERE entity_id = $1 AND draft_of IS NULL",
            None,
            &[entity.entity_id.into()],
        ))
        .map(|row| {
            (
                ok(row.get::<i32>(1)).unwrap_or_default(),
                ok(row.get::<String>(2)).unwrap_or_default(),
                ok(row.get::<i32>(3)).unwrap_or_default(),
            )
        })
        .collect()
    });
    match latest.first_difference(entity.entity_id, &seen) {
        None => Ok(()),
        Some((scheme, seen, current)) => Err(SegmentError::StaleConfiguration {
            scheme,
            seen,
            current,
        }),
    }
}
