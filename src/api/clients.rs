//! Per-client functions: answering, and reading a client's score, segment, explanation, history.

use super::{required, to_numeric};
use crate::client_key::ClientKey;
use crate::direct::{self, GivenAnswer};
use crate::engine::{self, AnswerTarget, CompiledConfig};
use crate::entity::{Entity, Scheme};
use crate::error::{OrRaise, Result, SegmentError};
use crate::store;
use pgrx::datum::{AnyNumeric, TimestampWithTimeZone};
use pgrx::pg_sys;
use pgrx::prelude::*;
use std::rc::Rc;

/// Checks the client exists, by a primary-key probe when the direct path can tell, else with SQL.
#[inline(never)] // out of line, so that profiles (bench/profile.py) name it
fn existing_client(entity: &Entity, client: ClientKey) -> Result<()> {
    let exists = direct::client_exists(entity, client)
        .unwrap_or_else(|| store::client_exists(entity, client));
    if exists {
        Ok(())
    } else {
        Err(SegmentError::ClientNotFound {
            table: entity.client_table.clone(),
            key: store::client_text(entity, client),
        })
    }
}

/// An answer call whose codes the compiled configuration knows.
struct KnownAnswer {
    entity: Entity,
    client: ClientKey,
    target: AnswerTarget,
    config: Rc<CompiledConfig>,
}

/// The entity and ids of an answer's codes, and the compiled configuration, when every
/// argument is given and every code known (see `store::answer_target`); otherwise the caller
/// looks them up with SQL, in the order that decides which error a bad call gets.
fn known_target(
    scheme: Option<&str>,
    client: Option<ClientKey>,
    question: Option<&str>,
    option: Option<Option<&str>>,
) -> Result<Option<KnownAnswer>> {
    let (Some(scheme), Some(client), Some(question), Some(option)) =
        (scheme, client, question, option)
    else {
        return Ok(None);
    };
    let rights = if option.is_some() {
        pg_sys::ACL_INSERT | pg_sys::ACL_UPDATE
    } else {
        pg_sys::ACL_DELETE
    };
    Ok(
        store::answer_target(scheme, question, option, rights)?.map(|(entity, target, config)| {
            KnownAnswer {
                entity,
                client,
                target,
                config,
            }
        }),
    )
}

/// Writes (or, `option_id` None, removes) a known answer: directly
/// (`direct::write_given_answer`) when `pg_segment.direct_writes` is on and the direct path
/// takes it, else with the SQL statement, whose trigger scores it. Either way an unknown client
/// is refused first. Returns whether the client's answers changed.
fn write_answer(
    entity: &Entity,
    config: &CompiledConfig,
    client: ClientKey,
    question_id: i32,
    option_id: Option<i32>,
) -> Result<bool> {
    if crate::DIRECT_WRITES.get() {
        let check_client = || existing_client(entity, client);
        match direct::write_given_answer(
            entity,
            config,
            question_id,
            option_id,
            client,
            check_client,
        )? {
            GivenAnswer::Written { changed } => return Ok(changed),
            GivenAnswer::NeedsDelta(delta) => {
                store::apply_given_delta(entity, client, &delta);
                return Ok(true);
            }
            GivenAnswer::Declined => {}
        }
    }
    existing_client(entity, client)?;
    Ok(match option_id {
        Some(option_id) => store::upsert_answer(entity, client, question_id, option_id),
        None => store::delete_answer(entity, client, question_id),
    })
}

/// Records (or replaces) a client's answer to one question, and in the same statement the
/// client's score and segment.
#[pg_extern(volatile)]
#[inline(never)] // out of line, so that profiles (bench/profile.py) name it
fn answer(
    scheme: Option<&str>,
    client: Option<ClientKey>,
    question: Option<&str>,
    option: Option<&str>,
) {
    (|| -> Result<()> {
        let option_given = option.map(Some);
        if let Some(known) = known_target(scheme, client, question, option_given)? {
            let entity = &known.entity;
            let client = store::exact_client(entity, known.client)?;
            let (question_id, option_id) = (known.target.question_id, known.target.option_id);
            write_answer(entity, &known.config, client, question_id, option_id)?;
            return Ok(());
        }
        let scheme = store::live_scheme(required(scheme, "scheme")?)?;
        let client = store::exact_client(&scheme.entity, required(client, "client")?)?;
        let question = required(question, "question")?;
        let option = required(option, "option")?;
        let question_id = store::question_id(&scheme, question)?;
        refuse_other_kind(&scheme, question, question_id, "single", "an option")?;
        let option_id = store::option_id(&scheme, question, question_id, option)?;
        existing_client(&scheme.entity, client)?;
        store::upsert_answer(&scheme.entity, client, question_id, option_id);
        Ok(())
    })()
    .or_raise()
}

/// Records the options a client picked for a multiple-choice question, replacing those picked
/// before (an empty array removes them), and in the same statement the client's score and
/// segment.
#[pg_extern(volatile, name = "answer")]
fn answer_options(
    scheme: Option<&str>,
    client: Option<ClientKey>,
    question: Option<&str>,
    options: Option<Vec<Option<String>>>,
) {
    (|| -> Result<()> {
        let scheme = store::live_scheme(required(scheme, "scheme")?)?;
        let client = store::exact_client(&scheme.entity, required(client, "client")?)?;
        let question = required(question, "question")?;
        let options = required(options, "options")?;
        // codes resolved under the lock the write takes (see store::lock_answers_for_writing)
        store::lock_answers_for_writing(&scheme.entity);
        let question_id = store::question_id(&scheme, question)?;
        refuse_other_kind(
            &scheme,
            question,
            question_id,
            "multiple",
            "an array of options",
        )?;
        let mut option_ids = Vec::with_capacity(options.len());
        for code in options {
            let code = code.ok_or(SegmentError::NullArgument {
                argument: "an element of options",
            })?;
            let id = store::option_id(&scheme, question, question_id, &code)?;
            if !option_ids.contains(&id) {
                option_ids.push(id);
            }
        }
        existing_client(&scheme.entity, client)?;
        with_picks(&scheme)?;
        store::replace_picks(&scheme.entity, client, question_id, option_ids);
        Ok(())
    })()
    .or_raise()
}

/// Refuses to write picks of a client table bound before 0.2.0 whose tables were not repaired.
fn with_picks(scheme: &Scheme) -> Result<()> {
    if scheme.entity.picks_oid == pg_sys::InvalidOid {
        return Err(SegmentError::NotRepaired {
            table: scheme.entity.client_table.clone(),
        });
    }
    Ok(())
}

/// Refuses an answer of the form of `kind` (`given`) to a question of another kind.
fn refuse_other_kind(
    scheme: &Scheme,
    question: &str,
    question_id: i32,
    kind: &str,
    given: &'static str,
) -> Result<()> {
    let actual = store::question_kind(question_id);
    if actual == kind {
        return Ok(());
    }
    Err(SegmentError::WrongAnswerKind {
        scheme: scheme.name.clone(),
        question: question.to_string(),
        kind: actual,
        given,
    })
}

/// Records (or replaces) a client's answer to a number question, and in the same statement the
/// client's score and segment.
#[pg_extern(volatile)]
fn answer_number(
    scheme: Option<&str>,
    client: Option<ClientKey>,
    question: Option<&str>,
    value: Option<AnyNumeric>,
) {
    (|| -> Result<()> {
        let scheme = store::live_scheme(required(scheme, "scheme")?)?;
        let client = store::exact_client(&scheme.entity, required(client, "client")?)?;
        let question = required(question, "question")?;
        let value = required(value, "value")?;
        let question_id = store::question_id(&scheme, question)?;
        refuse_other_kind(&scheme, question, question_id, "number", "a number")?;
        existing_client(&scheme.entity, client)?;
        store::upsert_value_answer(&scheme.entity, client, question_id, value);
        Ok(())
    })()
    .or_raise()
}

/// Removes a client's answer to one question; returns whether there was one.
#[pg_extern(volatile)]
fn remove_answer(scheme: Option<&str>, client: Option<ClientKey>, question: Option<&str>) -> bool {
    (|| -> Result<bool> {
        if let Some(known) = known_target(scheme, client, question, Some(None))? {
            let entity = &known.entity;
            let client = store::exact_client(entity, known.client)?;
            let question_id = known.target.question_id;
            return write_answer(entity, &known.config, client, question_id, None);
        }
        let scheme = store::live_scheme(required(scheme, "scheme")?)?;
        let client = store::exact_client(&scheme.entity, required(client, "client")?)?;
        let question_id = store::question_id(&scheme, required(question, "question")?)?;
        existing_client(&scheme.entity, client)?;
        if store::question_kind(question_id) == "multiple" {
            with_picks(&scheme)?;
            return Ok(store::delete_picks(&scheme.entity, client, question_id));
        }
        Ok(store::delete_answer(&scheme.entity, client, question_id))
    })()
    .or_raise()
}

/// A client's assignment in the named scheme: the direct read when the scheme is known to this
/// backend and still current, else the SQL read (which also raises for an unknown scheme or
/// client).
fn current_assignment(
    scheme: &str,
    client: ClientKey,
    with_score: bool,
) -> Result<Option<(Option<AnyNumeric>, Option<String>)>> {
    if let Some(known) = store::confirmed_scheme(scheme) {
        let direct = direct::read_assignment(&known.entity, known.scheme_id, client, with_score);
        if let Some(found) = direct {
            return Ok(Some(found));
        }
    }
    store::stored_assignment(scheme, client, with_score)
}

/// The client's current score; NULL while the client has answered nothing.
#[pg_extern(stable, strict)]
fn score(scheme: &str, client: ClientKey) -> Option<AnyNumeric> {
    current_assignment(scheme, client, true)
        .or_raise()
        .and_then(|(score, _)| score)
}

/// The client's current segment; NULL while uncategorized or when the score falls in a gap.
#[pg_extern(stable, strict)]
fn segment_of(scheme: &str, client: ClientKey) -> Option<String> {
    current_assignment(scheme, client, false)
        .or_raise()
        .and_then(|(_, segment)| segment)
}

/// One row per input of the scheme (its questions and parameters), in display order: the
/// input's code and kind, the client's value (the chosen option's code, the parameter's value),
/// its points, the input's weight, the contribution (weight × points) and a note for a
/// parameter that gives no points (missing; required: no segment). The contributions add up
/// to the score; the level is the one whose range holds that sum.
#[allow(clippy::type_complexity)] // pgrx reads column names from name!() in the signature
#[pg_extern(stable, strict)]
fn explain(
    scheme: &str,
    client: ClientKey,
) -> TableIterator<
    'static,
    (
        name!(position, i32),
        name!(item, String),
        name!(kind, String),
        name!(value, Option<String>),
        name!(points, Option<AnyNumeric>),
        name!(weight, AnyNumeric),
        name!(contribution, AnyNumeric),
        name!(note, Option<String>),
    ),
> {
    let rows = (|| -> Result<Vec<engine::ExplainRow>> {
        let scheme = store::live_scheme(scheme)?;
        let client = store::exact_client(&scheme.entity, client)?;
        existing_client(&scheme.entity, client)?;
        let inputs = store::explain_inputs(&scheme, client)?;
        Ok(engine::explain(&inputs, &store::rules(scheme.scheme_id)?)?.0)
    })()
    .or_raise();
    TableIterator::new(rows.into_iter().map(|r| {
        (
            r.position,
            r.item,
            r.kind.as_str().to_string(),
            r.value,
            r.points.map(to_numeric),
            to_numeric(r.weight),
            to_numeric(r.contribution),
            r.note,
        )
    }))
}

/// The client's score and segment as the ledger shows them at `at` (None: not categorized
/// then).
fn state_at(
    scheme: &str,
    client: ClientKey,
    at: TimestampWithTimeZone,
) -> Result<Option<(Option<rust_decimal::Decimal>, Option<String>)>> {
    let scheme = store::live_scheme(scheme)?;
    let client = store::exact_client(&scheme.entity, client)?;
    existing_client(&scheme.entity, client)?;
    store::state_at(&scheme, client, at)
}

/// The client's score at a past moment, from the ledger: the score its last history row
/// written at or before `at` recorded; NULL when it was not categorized then.
#[pg_extern(stable, strict)]
fn score_at(scheme: &str, client: ClientKey, at: TimestampWithTimeZone) -> Option<AnyNumeric> {
    state_at(scheme, client, at)
        .or_raise()
        .and_then(|(score, _)| score)
        .map(to_numeric)
}

/// The client's segment at a past moment, from the ledger; NULL when it was not categorized
/// then or its score fell outside every level.
#[pg_extern(stable, strict)]
fn segment_at(scheme: &str, client: ClientKey, at: TimestampWithTimeZone) -> Option<String> {
    state_at(scheme, client, at)
        .or_raise()
        .and_then(|(_, segment)| segment)
}

/// The scheme's questionnaire filled in for one client (`segment.questionnaire`'s document, each
/// question with the client's current answer, and the client's score, segment and status), for
/// an app that shows a client's form.
#[pg_extern(stable, strict)]
fn questionnaire_for(scheme: &str, client: ClientKey) -> pgrx::JsonB {
    (|| -> Result<pgrx::JsonB> {
        let scheme = store::live_scheme(scheme)?;
        let client = store::exact_client(&scheme.entity, client)?;
        existing_client(&scheme.entity, client)?;
        Ok(store::questionnaire_for(&scheme, client))
    })()
    .or_raise()
}

/// Every change of the client's score or segment in the scheme, oldest first.
#[allow(clippy::type_complexity)] // pgrx reads column names from name!() in the signature
#[pg_extern(stable, strict)]
fn history(
    scheme: &str,
    client: ClientKey,
) -> TableIterator<
    'static,
    (
        name!(changed_at, Option<TimestampWithTimeZone>),
        name!(old_score, Option<AnyNumeric>),
        name!(new_score, Option<AnyNumeric>),
        name!(old_segment, Option<String>),
        name!(new_segment, Option<String>),
        name!(cause, Option<String>),
        name!(version, Option<i32>),
    ),
> {
    let rows = (|| -> Result<Vec<store::HistoryRow>> {
        let scheme = store::live_scheme(scheme)?;
        let client = store::exact_client(&scheme.entity, client)?;
        existing_client(&scheme.entity, client)?;
        store::history(&scheme, client)
    })()
    .or_raise();
    TableIterator::new(rows.into_iter().map(|r| {
        (
            r.changed_at,
            r.old_score.map(to_numeric),
            r.new_score.map(to_numeric),
            r.old_segment,
            r.new_segment,
            r.cause,
            r.version,
        )
    }))
}
