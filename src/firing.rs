//! The trigger call running now, as a safe handle.
//!
//! pgrx hands a trigger its `TriggerData` as a plain reference whose fields are raw pointers:
//! the firing relation, its rows, its transition tables. `FiringTrigger` can only be made from
//! the `PgTrigger` of a running call, so for its lifetime those pointers are valid: PostgreSQL
//! keeps the relation open and the rows and tuplestores alive until the trigger returns. Every
//! dereference of the trigger data happens in this file, under that invariant.

use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::{PgTrigger, PgTupleDesc};

/// Which transition tables a statement-level answers trigger has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AnswerChange {
    Insert,
    Update,
    Delete,
}

impl AnswerChange {
    /// Whether the statement has new rows (`segment_new_rows`).
    pub fn has_new(self) -> bool {
        self != AnswerChange::Delete
    }
}

/// A row of a row-level trigger: the one it fires for, or an UPDATE's new version of it.
#[derive(Clone, Copy)]
pub enum Row {
    Fired,
    NewVersion,
}

#[derive(Clone, Copy)]
pub struct FiringTrigger<'a> {
    data: &'a pg_sys::TriggerData,
}

impl<'a> FiringTrigger<'a> {
    pub fn of(trigger: &'a PgTrigger<'a>) -> Self {
        FiringTrigger {
            data: trigger.trigger_data(),
        }
    }

    /// For SPI_register_trigger_data, which takes a mutable pointer but only reads.
    pub fn as_ptr(&self) -> *mut pg_sys::TriggerData {
        self.data as *const pg_sys::TriggerData as *mut pg_sys::TriggerData
    }

    /// The new-rows transition table, null when the statement has none.
    pub fn new_table(&self) -> *mut pg_sys::Tuplestorestate {
        self.data.tg_newtable
    }

    /// The old-rows transition table, null when the statement has none.
    pub fn old_table(&self) -> *mut pg_sys::Tuplestorestate {
        self.data.tg_oldtable
    }

    /// Rows in both transition tables together.
    pub fn transition_rows(&self) -> i64 {
        let count = |table: *mut pg_sys::Tuplestorestate| {
            if table.is_null() {
                0
            } else {
                // SAFETY: a transition table of the running call (type invariant).
                unsafe { pg_sys::tuplestore_tuple_count(table) }
            }
        };
        count(self.new_table()) + count(self.old_table())
    }

    /// The row descriptor of the firing relation, valid while the call runs.
    pub fn descriptor(&self) -> PgTupleDesc<'a> {
        // SAFETY: the firing relation is open while the call runs (type invariant); the
        // descriptor is borrowed, not freed.
        unsafe { PgTupleDesc::from_pg_unchecked((*self.data.tg_relation).rd_att) }
    }

    fn tuple(&self, row: Row) -> *mut pg_sys::HeapTupleData {
        match row {
            Row::Fired => self.data.tg_trigtuple,
            Row::NewVersion => self.data.tg_newtuple,
        }
    }

    /// The value of `column` in a row of a row-level trigger, found by name (a partition's
    /// columns may be numbered differently from its parent's); None for a NULL or a missing row.
    pub fn column_value(&self, row: Row, column: &str) -> Option<DatumWithOid<'a>> {
        let tuple = self.tuple(row);
        if tuple.is_null() {
            return None;
        }
        let desc = self.descriptor();
        // SAFETY: a row of the firing relation and its descriptor, valid while the call runs.
        unsafe {
            let (attnum, type_oid) = desc
                .iter()
                .find(|att| !att.is_dropped() && att.name() == column)
                .map(|att| (att.attnum, att.atttypid))?;
            let attno = std::num::NonZeroUsize::new(attnum as usize)?;
            let datum = pgrx::heap_getattr_raw(tuple, attno, desc.as_ptr())?;
            Some(DatumWithOid::new(datum, type_oid))
        }
    }

    /// Whether the row a row-level DELETE trigger fires for was deleted by an UPDATE that moved
    /// it to another partition (its header then points nowhere, the way PostgreSQL marks it).
    pub fn row_moved_to_another_partition(&self) -> bool {
        let tuple = self.tuple(Row::Fired);
        if tuple.is_null() {
            return false;
        }
        // SAFETY: the deleted row of the firing relation and its header (type invariant).
        unsafe {
            let header = (*tuple).t_data;
            if header.is_null() {
                return false;
            }
            let ctid = &(*header).t_ctid;
            let block = (u32::from(ctid.ip_blkid.bi_hi) << 16) | u32::from(ctid.ip_blkid.bi_lo);
            u32::from(ctid.ip_posid) == pg_sys::MovedPartitionsOffsetNumber
                && block == pg_sys::InvalidBlockNumber
        }
    }
}
