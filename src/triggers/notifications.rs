//! The notifications trigger: after any statement on segment.notifications, the history tables'
//! notify triggers follow what it now says (`store::sync_notify_triggers`).

use super::TriggerResult;
use crate::store;
use pgrx::prelude::*;

#[pg_trigger]
fn _notifications_changed<'a>(_trigger: &'a PgTrigger<'a>) -> TriggerResult<'a> {
    store::sync_notify_triggers();
    Ok(None)
}
