//! Drafts (sql/drafts.sql): what a draft would change, and publishing one.

use super::required;
use crate::error::{OrRaise, Result, SegmentError};
use crate::store::{self, drafts::Preview};
use pgrx::datum::AnyNumeric;
use pgrx::prelude::*;

/// The draft of that name and the id of its live scheme; a live scheme is refused (55000).
fn draft_and_live(draft: &str) -> Result<(crate::entity::Scheme, i32)> {
    let scheme = store::scheme(draft)?;
    match scheme.draft_of {
        Some(live_id) => Ok((scheme, live_id)),
        None => Err(SegmentError::NotADraft { name: scheme.name }),
    }
}

/// Makes a scheme document (as text) the live configuration of `scheme`, re-segmenting its
/// clients once (history cause `publish`); returns how many changed segment. Behind
/// segment.publish and segment.import_scheme(replace => true).
#[pg_extern(volatile)]
fn _publish_document(scheme: Option<&str>, document: Option<&str>) -> i64 {
    (|| -> Result<i64> {
        let scheme = store::live_scheme(required(scheme, "scheme")?)?;
        let document = required(document, "document")?;
        Ok(store::drafts::publish_document(&scheme, document))
    })()
    .or_raise()
}

fn numeric(text: &Option<String>) -> Option<AnyNumeric> {
    text.as_deref().and_then(|t| AnyNumeric::try_from(t).ok())
}

/// Every client whose score or segment the draft would change if published now, computed
/// set-based over every client of the scheme without writing, by client key.
#[allow(clippy::type_complexity)] // pgrx reads column names from name!() in the signature
#[pg_extern(stable)]
fn preview(
    draft: Option<&str>,
) -> TableIterator<
    'static,
    (
        name!(client, String),
        name!(current_score, Option<AnyNumeric>),
        name!(draft_score, Option<AnyNumeric>),
        name!(current_segment, Option<String>),
        name!(draft_segment, Option<String>),
    ),
> {
    let rows = (|| -> Result<_> {
        let (draft, live_id) = draft_and_live(required(draft, "draft")?)?;
        Ok(store::drafts::preview(&draft, live_id, Preview::Changes))
    })()
    .or_raise();
    TableIterator::new(rows.into_iter().map(|row| {
        (
            row[0].clone().unwrap_or_default(),
            numeric(&row[1]),
            numeric(&row[2]),
            row[3].clone(),
            row[4].clone(),
        )
    }))
}

/// How many clients would move from each current segment to each draft segment if the draft
/// were published now, unchanged clients included (NULL: not categorized).
#[pg_extern(stable)]
fn preview_transitions(
    draft: Option<&str>,
) -> TableIterator<
    'static,
    (
        name!(from_segment, Option<String>),
        name!(to_segment, Option<String>),
        name!(clients, i64),
    ),
> {
    let rows = (|| -> Result<_> {
        let (draft, live_id) = draft_and_live(required(draft, "draft")?)?;
        Ok(store::drafts::preview(
            &draft,
            live_id,
            Preview::Transitions,
        ))
    })()
    .or_raise();
    TableIterator::new(rows.into_iter().map(|row| {
        (
            row[0].clone(),
            row[1].clone(),
            row[2].as_deref().and_then(|t| t.parse().ok()).unwrap_or(0),
        )
    }))
}
