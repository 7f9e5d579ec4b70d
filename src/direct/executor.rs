//! The executor state of a direct write: the segment tables as result relations with their
//! indexes open, so the executor's single-row routines (the ones logical replication applies
//! rows with) write them, and constraints, indexes, row triggers and foreign keys act as they
//! do for SQL. Also the one write SQL would do with INSERT … ON CONFLICT: a speculative insert.

use super::guards::OpenTable;
use pgrx::pg_sys::{self, Datum, Oid};
use pgrx::PgBox;

impl OpenTable {
    pub fn rel_id(&self) -> Oid {
        // SAFETY: an open relation's descriptor.
        unsafe { (*self.rel()).rd_id }
    }

    /// Whether the executor's single-row routines write this table as SQL would: an ordinary
    /// table, no row security, no statement-level triggers or transition tables. For an
    /// update, those of INSERT count too, and BEFORE INSERT row triggers: the SQL path's
    /// INSERT … ON CONFLICT DO UPDATE fires them; and BEFORE UPDATE row triggers, which may
    /// change or skip the row after the writer computed it and its history row (SQL logs what
    /// its RETURNING gives back).
    pub fn writable_row_by_row(&self, update: bool) -> bool {
        if !self.is_plain_table() {
            return false;
        }
        // SAFETY: an open relation's trigger descriptor.
        let triggers = unsafe { (*self.rel()).trigdesc };
        if triggers.is_null() {
            return true;
        }
        // SAFETY: non-null, owned by the open relation.
        let t = unsafe { &*triggers };
        let insert = t.trig_insert_before_statement
            || t.trig_insert_after_statement
            || t.trig_insert_new_table
            || (update && (t.trig_insert_before_row || t.trig_update_before_row));
        let updates = update
            && (t.trig_update_before_statement
                || t.trig_update_after_statement
                || t.trig_update_old_table
                || t.trig_update_new_table);
        !(insert || updates)
    }

    /// Whether this is an ordinary table without row security or rules, which the executor's
    /// single-row routines write as SQL would (its triggers aside). (SQL's INSERT … ON
    /// CONFLICT refuses a table with rules; a rule's DO INSTEAD would be bypassed here.)
    pub fn is_plain_table(&self) -> bool {
        // SAFETY: an open relation's catalog row and rules.
        let (form, rules) = unsafe { (&*(*self.rel()).rd_rel, (*self.rel()).rd_rules) };
        form.relkind == pg_sys::RELKIND_RELATION as std::ffi::c_char
            && !form.relrowsecurity
            && rules.is_null()
    }

    /// Whether the table has no generated columns, which the speculative insert (unlike the
    /// executor's single-row routines) does not compute.
    pub fn without_generated_columns(&self) -> bool {
        // SAFETY: an open relation's tuple descriptor and its constraints, if any.
        let constraints = unsafe { (*(*self.rel()).rd_att).constr };
        if constraints.is_null() {
            return true;
        }
        // SAFETY: non-null, owned by the open relation.
        let c = unsafe { &*constraints };
        #[cfg(feature = "pg15")]
        return !c.has_generated_stored;
        #[cfg(not(feature = "pg15"))]
        return !(c.has_generated_stored || c.has_generated_virtual);
    }

    /// Whether every generated column of the table is one of `columns` (zero-based), whose
    /// values the caller writes itself, since the speculative insert does not generate them.
    pub fn generated_columns_only(&self, columns: &[usize]) -> bool {
        if self.without_generated_columns() {
            return true;
        }
        self.descriptor()
            .iter()
            .enumerate()
            .all(|(i, att)| att.attgenerated == 0 || columns.contains(&i))
    }

    /// The table's primary key index, InvalidOid when it has none.
    pub fn primary_key_index(&self) -> Oid {
        // SAFETY: an open relation.
        unsafe {
            #[cfg(feature = "pg15")]
            return pg_sys::RelationGetPrimaryKeyIndex(self.rel());
            #[cfg(not(feature = "pg15"))]
            return pg_sys::RelationGetPrimaryKeyIndex(self.rel(), false);
        }
    }
}

/// The columns at zero-based `positions`, as the executor's column sets number them.
fn column_set(positions: &[usize]) -> *mut pg_sys::Bitmapset {
    let mut columns: *mut pg_sys::Bitmapset = std::ptr::null_mut();
    for &position in positions {
        // SAFETY: adds to a palloc'd set (null is the empty set).
        columns = unsafe {
            pg_sys::bms_add_member(
                columns,
                position as i32 + 1 - pg_sys::FirstLowInvalidHeapAttributeNumber,
            )
        };
    }
    columns
}

/// A range table entry for a relation this path writes, carrying the columns it writes (which
/// error messages and column-specific row triggers consult). PostgreSQL 16 moved those into
/// a separate permission entry, returned second.
fn range_table_entry(
    target: &Target<'_>,
    #[allow(unused_variables)] index: u32,
) -> (*mut pg_sys::RangeTblEntry, *mut std::ffi::c_void) {
    let table = target.table;
    // SAFETY: a zeroed node of the tag's own type, in the current memory context.
    let mut rte =
        unsafe { PgBox::<pg_sys::RangeTblEntry>::alloc_node(pg_sys::NodeTag::T_RangeTblEntry) };
    rte.rtekind = pg_sys::RTEKind::RTE_RELATION;
    rte.relid = table.rel_id();
    // SAFETY: an open relation's catalog row.
    rte.relkind = unsafe { (*(*table.rel()).rd_rel).relkind };
    rte.rellockmode = pg_sys::RowExclusiveLock as i32;
    let mut required = 0;
    if !target.inserted.is_empty() {
        required |= pg_sys::ACL_INSERT;
    }
    if !target.updated.is_empty() {
        required |= pg_sys::ACL_SELECT | pg_sys::ACL_UPDATE;
    }
    let required = required as pg_sys::AclMode;
    #[cfg(feature = "pg15")]
    {
        rte.requiredPerms = required;
        rte.insertedCols = column_set(target.inserted);
        rte.updatedCols = column_set(target.updated);
        (rte.into_pg(), std::ptr::null_mut())
    }
    #[cfg(not(feature = "pg15"))]
    {
        // SAFETY: as above.
        let mut permission = unsafe {
            PgBox::<pg_sys::RTEPermissionInfo>::alloc_node(pg_sys::NodeTag::T_RTEPermissionInfo)
        };
        permission.relid = table.rel_id();
        permission.requiredPerms = required;
        permission.insertedCols = column_set(target.inserted);
        permission.updatedCols = column_set(target.updated);
        rte.perminfoindex = index;
        (rte.into_pg(), permission.into_pg().cast())
    }
}

/// Range table indexes 1..=n, the relations PostgreSQL 18 is told were not pruned.
#[cfg(not(feature = "pg15"))]
fn unpruned_relations(n: i32) -> *mut pg_sys::Bitmapset {
    let mut set: *mut pg_sys::Bitmapset = std::ptr::null_mut();
    for i in 1..=n {
        // SAFETY: adds to a palloc'd set (null is the empty set).
        set = unsafe { pg_sys::bms_add_member(set, i) };
    }
    set
}

/// A slot's value at a zero-based column.
///
/// # Safety
/// `slot` holds a deformed row (`slot_getallattrs`) with more than `i` columns.
pub unsafe fn slot_value(slot: *mut pg_sys::TupleTableSlot, i: usize) -> (Datum, bool) {
    (*(*slot).tts_values.add(i), *(*slot).tts_isnull.add(i))
}

/// Sets a slot's value at a zero-based column (None: NULL).
///
/// # Safety
/// `slot` is a virtual slot with more than `i` columns, not yet stored.
pub unsafe fn set_slot_value(slot: *mut pg_sys::TupleTableSlot, i: usize, value: Option<Datum>) {
    *(*slot).tts_values.add(i) = value.unwrap_or(Datum::from(0));
    *(*slot).tts_isnull.add(i) = value.is_none();
}

/// The executor state of one direct write: its tables as result relations (range table
/// indexes 1, 2, … in the order given) with their indexes open. Dropping it closes the indexes
/// and frees the state.
pub struct Writer {
    pub estate: *mut pg_sys::EState,
    pub epq: *mut pg_sys::EPQState,
    relations: Vec<*mut pg_sys::ResultRelInfo>,
}

/// A table a direct write writes: the columns it may insert and update (for the range table
/// entry that error messages and column-specific triggers consult), and whether its unique
/// indexes are opened for speculative insertion, as INSERT … ON CONFLICT opens them.
pub struct Target<'a> {
    pub table: &'a OpenTable,
    pub inserted: &'a [usize],
    pub updated: &'a [usize],
    pub speculative: bool,
}

/// What a speculative insert did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Speculation {
    /// the row is in, visible to others once the transaction commits
    Inserted,
    /// a row with the same key exists or appeared meanwhile; nothing visible was written
    Conflict,
    /// the table's access method has no speculative insertion; nothing was written
    Unsupported,
}

impl Writer {
    /// # Safety
    /// Inside a statement with an active snapshot; the tables must stay open while the writer
    /// lives (declare it after them).
    #[inline(never)] // out of line, so that profiles (bench/profile.py) name it
    pub unsafe fn new(targets: &[Target<'_>]) -> Writer {
        let estate = pg_sys::CreateExecutorState();
        let (mut range_table, mut permissions): (*mut pg_sys::List, *mut pg_sys::List) =
            (std::ptr::null_mut(), std::ptr::null_mut());
        for (index, target) in targets.iter().enumerate() {
            let (rte, permission) = range_table_entry(target, index as u32 + 1);
            range_table = pg_sys::lappend(range_table, rte.cast());
            if !permission.is_null() {
                permissions = pg_sys::lappend(permissions, permission);
            }
        }
        #[cfg(feature = "pg15")]
        pg_sys::ExecInitRangeTable(estate, range_table);
        #[cfg(not(feature = "pg15"))]
        pg_sys::ExecInitRangeTable(
            estate,
            range_table,
            permissions,
            unpruned_relations(targets.len() as i32),
        );
        let relations = targets
            .iter()
            .enumerate()
            .map(|(index, target)| {
                let info =
                    PgBox::<pg_sys::ResultRelInfo>::alloc_node(pg_sys::NodeTag::T_ResultRelInfo)
                        .into_pg();
                pg_sys::InitResultRelInfo(
                    info,
                    target.table.rel(),
                    index as u32 + 1,
                    std::ptr::null_mut(),
                    0,
                );
                // Where ExecGetTriggerResultRel finds it when queued row triggers fire.
                (*estate).es_opened_result_relations =
                    pg_sys::lappend((*estate).es_opened_result_relations, info.cast());
                pg_sys::ExecOpenIndices(info, target.speculative);
                info
            })
            .collect();
        (*estate).es_output_cid = pg_sys::GetCurrentCommandId(true);
        (*estate).es_snapshot = pg_sys::GetActiveSnapshot();
        let epq = pg_sys::palloc0(std::mem::size_of::<pg_sys::EPQState>()) as *mut pg_sys::EPQState;
        #[cfg(feature = "pg15")]
        pg_sys::EvalPlanQualInit(epq, estate, std::ptr::null_mut(), std::ptr::null_mut(), -1);
        #[cfg(not(feature = "pg15"))]
        pg_sys::EvalPlanQualInit(
            epq,
            estate,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            -1,
            std::ptr::null_mut(),
        );
        Writer {
            estate,
            epq,
            relations,
        }
    }

    /// Tells the executor that the caller writes the generated columns of `info`'s table
    /// itself, so `ExecSimpleRelationUpdate` neither builds nor evaluates their expressions
    /// (building them re-reads each from its catalog text on every write: a tenth of a direct
    /// answer's cost). The columns still count as updated, for `UPDATE OF` row triggers.
    ///
    /// # Safety
    /// `info` is a result relation of this writer; `written` (zero-based) holds every generated
    /// column of its table, and every row the caller updates through it carries the values
    /// generation would give them.
    pub unsafe fn generated_columns_written(
        &self,
        info: *mut pg_sys::ResultRelInfo,
        written: &[usize],
    ) {
        let natts = (*(*(*info).ri_RelationDesc).rd_att).natts as usize;
        // An array of no expressions: generation is initialized, and nothing is needed.
        let none = pg_sys::palloc0(natts * std::mem::size_of::<*mut pg_sys::ExprState>())
            as *mut *mut pg_sys::ExprState;
        #[cfg(feature = "pg15")]
        {
            (*info).ri_GeneratedExprs = none;
            (*info).ri_NumGeneratedNeeded = 0;
            // Where PostgreSQL 15 looks up the generated columns an update computes.
            let extra = pg_sys::palloc0(std::mem::size_of::<pg_sys::ResultRelInfoExtra>())
                as *mut pg_sys::ResultRelInfoExtra;
            (*extra).rinfo = info;
            (*extra).ri_extraUpdatedCols = column_set(written);
            (*self.estate).es_resultrelinfo_extra =
                pg_sys::lappend((*self.estate).es_resultrelinfo_extra, extra.cast());
        }
        #[cfg(not(feature = "pg15"))]
        {
            (*info).ri_GeneratedExprsU = none;
            (*info).ri_NumGeneratedNeededU = 0;
            (*info).ri_extraUpdatedCols = column_set(written);
            (*info).ri_extraUpdatedCols_valid = true;
        }
    }

    /// The result relation of the `index`th target given to `new`.
    pub fn relation(&self, index: usize) -> *mut pg_sys::ResultRelInfo {
        self.relations[index]
    }

    /// A virtual slot of a result relation, freed with the writer.
    pub fn slot(&self, rel: *mut pg_sys::ResultRelInfo) -> *mut pg_sys::TupleTableSlot {
        // SAFETY: a result relation of this writer's live executor state.
        unsafe {
            pg_sys::ExecInitExtraTupleSlot(
                self.estate,
                (*(*rel).ri_RelationDesc).rd_att,
                &pg_sys::TTSOpsVirtual,
            )
        }
    }

    /// A virtual slot of a result relation with every column NULL, for the caller to fill in
    /// before storing it (a new slot's columns are zeroed, not NULL); freed with the writer.
    pub fn null_slot(&self, rel: *mut pg_sys::ResultRelInfo) -> *mut pg_sys::TupleTableSlot {
        let slot = self.slot(rel);
        // SAFETY: a new virtual slot of the relation's descriptor, not yet stored.
        unsafe {
            for i in 0..(*(*slot).tts_tupleDescriptor).natts as usize {
                set_slot_value(slot, i, None);
            }
        }
        slot
    }

    /// A virtual slot of a result relation holding the values of `current` (a deformed row
    /// of it), for the caller to change before storing it as an update; freed with the writer.
    ///
    /// # Safety
    /// `current` holds a deformed row (`slot_getallattrs`) of `rel`'s table.
    pub unsafe fn copy_slot(
        &self,
        rel: *mut pg_sys::ResultRelInfo,
        current: *mut pg_sys::TupleTableSlot,
    ) -> *mut pg_sys::TupleTableSlot {
        let next = self.slot(rel);
        for i in 0..(*(*current).tts_tupleDescriptor).natts as usize {
            let (value, null) = slot_value(current, i);
            set_slot_value(next, i, (!null).then_some(value));
        }
        next
    }

    /// Inserts `row` into the result relation `info` unless a row with the same key in the
    /// unique index `arbiter` exists or appears meanwhile, as INSERT … ON CONFLICT (its
    /// columns) does: the row goes in marked speculative, its index entries are added without
    /// waiting, and it is confirmed only if the arbiter met no conflicting entry, committed or
    /// not; otherwise it is killed, so no other transaction ever sees it. A duplicate in
    /// another unique index raises 23505, as in SQL. Queues the table's AFTER INSERT row
    /// triggers, as SQL's insert does.
    ///
    /// # Safety
    /// `info` is a result relation of this writer opened `speculative`; `row` is a stored slot
    /// of it; `arbiter` one of its unique indexes; the caller declined tables with BEFORE
    /// INSERT row triggers or generated columns, which this does not run.
    #[inline(never)] // out of line, so that profiles (bench/profile.py) name it
    pub unsafe fn insert_speculatively(
        &self,
        info: *mut pg_sys::ResultRelInfo,
        row: *mut pg_sys::TupleTableSlot,
        arbiter: Oid,
    ) -> Speculation {
        let rel = (*info).ri_RelationDesc;
        if !(*(*rel).rd_att).constr.is_null() {
            pg_sys::ExecConstraints(info, row, self.estate);
        }
        (*row).tts_tableOid = (*rel).rd_id;
        let am = &*(*rel).rd_tableam;
        let (Some(insert), Some(complete)) =
            (am.tuple_insert_speculative, am.tuple_complete_speculative)
        else {
            return Speculation::Unsupported;
        };
        let xid = pg_sys::GetCurrentTransactionId();
        let token = pg_sys::SpeculativeInsertionLockAcquire(xid);
        insert(
            rel,
            row,
            (*self.estate).es_output_cid,
            0,
            std::ptr::null_mut(),
            token,
        );
        let mut conflict = false;
        let arbiters = pg_sys::lappend_oid(std::ptr::null_mut(), arbiter);
        #[cfg(feature = "pg15")]
        let recheck = pg_sys::ExecInsertIndexTuples(
            info,
            row,
            self.estate,
            false,
            true,
            &mut conflict,
            arbiters,
        );
        #[cfg(not(feature = "pg15"))]
        let recheck = pg_sys::ExecInsertIndexTuples(
            info,
            row,
            self.estate,
            false,
            true,
            &mut conflict,
            arbiters,
            false,
        );
        complete(rel, row, token, !conflict);
        // Wakes whoever waits to learn whether the row stays.
        pg_sys::SpeculativeInsertionLockRelease(xid);
        if !conflict {
            pg_sys::ExecARInsertTriggers(self.estate, info, row, recheck, std::ptr::null_mut());
        }
        pg_sys::list_free(recheck);
        pg_sys::list_free(arbiters);
        if conflict {
            Speculation::Conflict
        } else {
            Speculation::Inserted
        }
    }
}

impl Drop for Writer {
    #[inline(never)] // out of line, so that profiles (bench/profile.py) name it
    fn drop(&mut self) {
        if std::thread::panicking() {
            return; // the abort frees the executor memory and closes the indexes
        }
        // SAFETY: made in `new`, released once, while the tables are still open.
        unsafe {
            pg_sys::EvalPlanQualEnd(self.epq);
            for &info in &self.relations {
                pg_sys::ExecCloseIndices(info);
            }
            pg_sys::ExecResetTupleTable((*self.estate).es_tupleTable, false);
            pg_sys::FreeExecutorState(self.estate);
        }
    }
}
