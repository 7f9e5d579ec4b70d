//! The trigger functions: they decide what a write touched and hand it to the direct path or
//! the store.
//!
//! | file | trigger |
//! |---|---|
//! | `answers.rs` | the answers trigger, and the one place that chooses how a statement is applied |
//! | `config.rs` | the configuration trigger: refusals, versions, re-segmentation |
//! | `clients.rs` | the client-table triggers: delete, truncate, key change |
//! | `notifications.rs` | segment.notifications: the history tables' notify triggers follow it |

mod answers;
mod clients;
mod config;
mod notifications;

use pgrx::prelude::*;

type TriggerResult<'a> = Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, PgTriggerError>;
