//! Finding a row by its unique key and locking it, as UPDATE and INSERT … ON CONFLICT do.
//!
//! PostgreSQL's `RelationFindReplTupleByIndex` (logical replication's look-up) does the same,
//! but it writes `LOG: concurrent update, retrying` to the server log whenever the row changed
//! between the look-up and the lock: hundreds of lines a second when a few sessions answer for
//! the same clients, which SQL's statements never log. This loop retries silently.

use super::guards::{IndexScan, OpenIndex, OpenTable};
use super::read::equal_key;
use pgrx::pg_sys;

/// Finds the row of `table` whose key in the unique `index` equals the key columns of
/// `search` (a stored slot of the table), waits for any transaction writing or locking it
/// to end, and locks it in `mode`; the locked version is then in `found` (a slot of the table).
/// Returns false when there is no such row. A row inserted by a transaction still in progress
/// counts once that transaction ends, as the dirty snapshot of a unique check sees it.
///
/// # Safety
/// Inside a statement; `table` open with a lock that allows writing; `index` is a unique index
/// of it; `search` and `found` are slots of its descriptor, `search` holding values of the key
/// columns' types.
#[inline(never)] // out of line, so that profiles (bench/profile.py) name it
pub unsafe fn lock_by_key(
    table: &OpenTable,
    index: pg_sys::Oid,
    search: *mut pg_sys::TupleTableSlot,
    mode: pg_sys::LockTupleMode::Type,
    found: *mut pg_sys::TupleTableSlot,
) -> bool {
    let index = OpenIndex::index(index, pg_sys::RowExclusiveLock);
    let mut keys = key_equal_to(&index, search);
    let n = keys.len() as i32;
    loop {
        // Sees rows of transactions in progress too, and says which one to wait for.
        let mut dirty: pg_sys::SnapshotData = std::mem::zeroed();
        dirty.snapshot_type = pg_sys::SnapshotType::SNAPSHOT_DIRTY;
        let waited = {
            let scan = IndexScan::begin_with(table, &index, &mut dirty, n);
            pg_sys::index_rescan(scan.ptr(), keys.as_mut_ptr(), n, std::ptr::null_mut(), 0);
            if !pg_sys::index_getnext_slot(
                scan.ptr(),
                pg_sys::ScanDirection::ForwardScanDirection,
                found,
            ) {
                return false;
            }
            pg_sys::ExecMaterializeSlot(found);
            let writer = if dirty.xmin != pg_sys::InvalidTransactionId {
                dirty.xmin
            } else {
                dirty.xmax
            };
            if writer != pg_sys::InvalidTransactionId {
                drop(scan);
                if dirty.speculativeToken != 0 {
                    // A speculative insertion in progress: only until it is confirmed or
                    // killed, as a unique check waits (its transaction may go on to wait for
                    // this one).
                    pg_sys::SpeculativeInsertionWait(dirty.xmin, dirty.speculativeToken);
                } else {
                    pg_sys::XactLockTableWait(
                        writer,
                        table.rel(),
                        &mut (*found).tts_tid,
                        pg_sys::XLTW_Oper::XLTW_Lock,
                    );
                }
                true
            } else {
                false
            }
        };
        if waited {
            pgrx::check_for_interrupts!();
            continue; // and look again: the row may have changed or gone
        }
        let mut failure: pg_sys::TM_FailureData = std::mem::zeroed();
        let latest = pg_sys::GetLatestSnapshot();
        pg_sys::PushActiveSnapshot(latest);
        let result = pg_sys::table_tuple_lock(
            table.rel(),
            &mut (*found).tts_tid,
            latest,
            found,
            pg_sys::GetCurrentCommandId(false),
            mode,
            pg_sys::LockWaitPolicy::LockWaitBlock,
            0, // do not follow updates: the loop looks the key up again
            &mut failure,
        );
        pg_sys::PopActiveSnapshot();
        match result {
            pg_sys::TM_Result::TM_Ok => return true,
            pg_sys::TM_Result::TM_Updated | pg_sys::TM_Result::TM_Deleted => {
                pgrx::check_for_interrupts!(); // changed meanwhile: look again
            }
            other => pgrx::error!("pg_segment: unexpected row lock result {other}"),
        }
    }
}

/// Scan keys for the index's key columns equal to their values in `search`, with each
/// column's own equality operator (as a unique check compares them).
///
/// # Safety
/// `search` is a stored slot of the index's table.
unsafe fn key_equal_to(
    index: &OpenIndex,
    search: *mut pg_sys::TupleTableSlot,
) -> Vec<pg_sys::ScanKeyData> {
    let rel = index.rel();
    let form = &*(*rel).rd_index;
    let columns = form.indkey.values.as_slice(form.indnkeyatts as usize);
    pg_sys::slot_getallattrs(search);
    columns
        .iter()
        .enumerate()
        .map(|(i, &attnum)| {
            let own_type = *(*rel).rd_opcintype.add(i);
            let value = *(*search).tts_values.add(attnum as usize - 1);
            // A btree operator class always has equality for its own type.
            equal_key(index, i, own_type, value).unwrap_or_else(|| {
                pgrx::error!("pg_segment: no equality operator for a unique index column")
            })
        })
        .collect()
}
