//! The trigger functions: they decide what a write touched and hand it to the direct path or
//! the store.
//!
//! | file | trigger |
//! |---|---|
//! | `answers.rs` | the answers trigger, and the one place that chooses how a statement is applied |
//! | `config.rs` | the configuration trigger: refusals, versions, re-segmentation |
//! | `clients.rs` | the client-table triggers: delete, truncate, key change |

mod answers;
mod clients;
mod config;

use pgrx::prelude::*;

type TriggerResult<'a> = Result<Option<PgHeapTuple<'a, AllocatedByPostgres>>, PgTriggerError>;
