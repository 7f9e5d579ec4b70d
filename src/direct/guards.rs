//! Executor resources that close themselves.
//!
//! Each guard owns one thing PostgreSQL opened for the direct path (a relation, an index, an
//! index scan, a standalone tuple slot) and releases it in `Drop`, on every return path. When
//! a PostgreSQL ERROR unwinds through a guard (pgrx turns it into a Rust panic), the guard
//! releases nothing: the transaction's abort releases relation references, buffer pins and
//! executor memory through its resource owner and memory contexts, and calling back into
//! PostgreSQL during that unwinding could raise a second error.

use pgrx::pg_sys;
use pgrx::PgTupleDesc;

fn unwinding() -> bool {
    std::thread::panicking()
}

/// A table or index opened with a lock; closed when dropped, the lock kept to the end of the
/// transaction as PostgreSQL's own statements keep theirs.
pub struct OpenRelation(pg_sys::Relation);

/// An open table.
pub type OpenTable = OpenRelation;
/// An open index.
pub type OpenIndex = OpenRelation;

impl OpenRelation {
    /// # Safety
    /// Inside a transaction, on the backend's thread. (A missing relation raises an ERROR.)
    pub unsafe fn table(relid: pg_sys::Oid, lock: u32) -> OpenRelation {
        OpenRelation(pg_sys::table_open(relid, lock as pg_sys::LOCKMODE))
    }

    /// # Safety
    /// Inside a transaction, with the index's table open. (A missing index raises an ERROR.)
    pub unsafe fn index(relid: pg_sys::Oid, lock: u32) -> OpenRelation {
        OpenRelation(pg_sys::index_open(relid, lock as pg_sys::LOCKMODE))
    }

    /// The relation, valid while the guard lives.
    pub fn rel(&self) -> pg_sys::Relation {
        self.0
    }

    /// The relation's row descriptor, borrowed from the guard.
    pub fn descriptor(&self) -> PgTupleDesc<'_> {
        // SAFETY: the descriptor of an open relation lives as long as the relation is open.
        unsafe { PgTupleDesc::from_pg_unchecked((*self.0).rd_att) }
    }
}

impl Drop for OpenRelation {
    fn drop(&mut self) {
        if !unwinding() {
            // SAFETY: opened by a constructor above, closed once (table_close and index_close
            // are both relation_close).
            unsafe { pg_sys::relation_close(self.0, pg_sys::NoLock as pg_sys::LOCKMODE) };
        }
    }
}

/// A tuple slot made outside any executor state; dropped with it.
pub struct StandaloneSlot(*mut pg_sys::TupleTableSlot);

impl StandaloneSlot {
    /// A minimal-tuple slot of `desc`, for reading a tuplestore.
    ///
    /// # Safety
    /// `desc` must outlive the slot.
    pub unsafe fn minimal(desc: pg_sys::TupleDesc) -> StandaloneSlot {
        StandaloneSlot(pg_sys::MakeSingleTupleTableSlot(
            desc,
            &pg_sys::TTSOpsMinimalTuple,
        ))
    }

    /// A slot of the table's own kind, for reading its rows.
    pub fn for_table(table: &OpenTable) -> StandaloneSlot {
        // SAFETY: the table is open; a null list makes a slot that belongs to no executor.
        StandaloneSlot(unsafe { pg_sys::table_slot_create(table.rel(), std::ptr::null_mut()) })
    }

    pub fn ptr(&self) -> *mut pg_sys::TupleTableSlot {
        self.0
    }
}

impl Drop for StandaloneSlot {
    fn drop(&mut self) {
        if !unwinding() {
            // SAFETY: made in a constructor above, dropped once.
            unsafe { pg_sys::ExecDropSingleTupleTableSlot(self.0) };
        }
    }
}

/// An index scan; ended when dropped.
pub struct IndexScan(pg_sys::IndexScanDesc);

impl IndexScan {
    /// A scan of `index` over `table` under the active snapshot, with `keys` scan keys.
    ///
    /// # Safety
    /// Inside a statement with an active snapshot; the scan must be dropped before `table` and
    /// `index` (declare it after them).
    pub unsafe fn begin(table: &OpenTable, index: &OpenIndex, keys: i32) -> IndexScan {
        IndexScan::begin_with(table, index, pg_sys::GetActiveSnapshot(), keys)
    }

    /// A scan of `index` over `table` under `snapshot`, with `keys` scan keys.
    ///
    /// # Safety
    /// As `begin`; `snapshot` outlives the scan.
    pub unsafe fn begin_with(
        table: &OpenTable,
        index: &OpenIndex,
        snapshot: pg_sys::Snapshot,
        keys: i32,
    ) -> IndexScan {
        #[cfg(feature = "pg15")]
        let scan = pg_sys::index_beginscan(table.rel(), index.rel(), snapshot, keys, 0);
        #[cfg(not(feature = "pg15"))]
        let scan = pg_sys::index_beginscan(
            table.rel(),
            index.rel(),
            snapshot,
            std::ptr::null_mut(),
            keys,
            0,
        );
        IndexScan(scan)
    }

    pub fn ptr(&self) -> pg_sys::IndexScanDesc {
        self.0
    }
}

impl Drop for IndexScan {
    fn drop(&mut self) {
        if !unwinding() {
            // SAFETY: begun in `begin`, ended once, before its relations close.
            unsafe { pg_sys::index_endscan(self.0) };
        }
    }
}
