//! The single-row writer: the client's assignment locked by primary key and updated, and its
//! history row inserted, through the executor's single-row routines (the ones logical
//! replication applies rows with), so constraints, indexes, row triggers and foreign keys act
//! as they do for SQL.

use super::columns::{attribute, AssignmentColumns, HistoryColumns};
use super::guards::OpenTable;
use super::values::{copy_value, numeric_text, numeric_value, text_contents, text_value};
use crate::cache::BackendCache;
use crate::engine::model::parse_decimal;
use crate::engine::{AnswerDelta, CompiledConfig};
use crate::entity::Entity;
use crate::error::Result;
use crate::security::has_privilege;
use pgrx::pg_sys::{self, Datum, Oid};
use pgrx::PgBox;

extern "C-unwind" {
    // commands/sequence.h, not among pgrx's bindings; call through `next_identity_value`.
    fn nextval_internal(relid: Oid, check_permissions: bool) -> i64;
}

/// History tables a backend remembers the identity sequence of.
const MAX_HISTORY_SEQUENCES: usize = 1024;

thread_local! {
    /// History table OID → the identity sequence of its history_id column. An entry goes with
    /// any relcache invalidation of its table (`forget_relation`). Bound:
    /// `MAX_HISTORY_SEQUENCES`.
    static HISTORY_SEQUENCES: BackendCache<u32, Oid> = BackendCache::new(MAX_HISTORY_SEQUENCES);
}

/// Called from the relcache callback: the table may have changed shape or sequence.
pub fn forget_relation(relid: Oid) {
    HISTORY_SEQUENCES
        .with(|m| m.retain(|table, _| relid != pg_sys::InvalidOid && *table != relid.to_u32()));
}

/// The next value of an identity sequence, drawn without a privilege check as INSERT draws it.
///
/// # Safety
/// `sequence` must be an identity sequence. (An ERROR inside, such as an exhausted sequence,
/// becomes a Rust panic and then the same ERROR again.)
unsafe fn next_identity_value(sequence: Oid) -> i64 {
    pg_sys::ffi::pg_guard_ffi_boundary(|| nextval_internal(sequence, false))
}

/// The identity sequence of the history's history_id column, InvalidOid when it has none.
fn identity_sequence(history: &OpenTable, history_id: usize) -> Oid {
    let relid = history.rel_id();
    if let Some(seq) = HISTORY_SEQUENCES.with(|m| m.get(&relid.to_u32())) {
        return seq;
    }
    if attribute(&history.descriptor(), history_id).attidentity == 0 {
        return pg_sys::InvalidOid;
    }
    let attnum = (history_id + 1) as pg_sys::AttrNumber;
    // SAFETY: a catalog look-up of an open table's column.
    #[cfg(feature = "pg15")]
    let seq = unsafe { pg_sys::getIdentitySequence(relid, attnum, true) };
    // SAFETY: as above.
    #[cfg(not(feature = "pg15"))]
    let seq = unsafe { pg_sys::getIdentitySequence(history.rel(), attnum, true) };
    HISTORY_SEQUENCES.with(|m| m.insert(relid.to_u32(), seq));
    seq
}

impl OpenTable {
    fn rel_id(&self) -> Oid {
        // SAFETY: an open relation's descriptor.
        unsafe { (*self.rel()).rd_id }
    }

    /// Whether the executor's single-row routines write this table as SQL would: an ordinary
    /// table, no row security, no statement-level triggers or transition tables. For an
    /// update, those of INSERT count too, and BEFORE INSERT row triggers: the SQL path's
    /// INSERT … ON CONFLICT DO UPDATE fires them.
    fn writable_row_by_row(&self, update: bool) -> bool {
        // SAFETY: an open relation's catalog row and trigger descriptor.
        let (form, triggers) = unsafe { (&*(*self.rel()).rd_rel, (*self.rel()).trigdesc) };
        if form.relkind != pg_sys::RELKIND_RELATION as std::ffi::c_char || form.relrowsecurity {
            return false;
        }
        if triggers.is_null() {
            return true;
        }
        // SAFETY: non-null, owned by the open relation.
        let t = unsafe { &*triggers };
        let insert = t.trig_insert_before_statement
            || t.trig_insert_after_statement
            || t.trig_insert_new_table
            || (update && t.trig_insert_before_row);
        let updates = update
            && (t.trig_update_before_statement
                || t.trig_update_after_statement
                || t.trig_update_old_table
                || t.trig_update_new_table);
        !(insert || updates)
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
    table: &OpenTable,
    written: &[usize],
    update: bool,
    #[allow(unused_variables)] index: u32,
) -> (*mut pg_sys::RangeTblEntry, *mut std::ffi::c_void) {
    // SAFETY: a zeroed node of the tag's own type, in the current memory context.
    let mut rte =
        unsafe { PgBox::<pg_sys::RangeTblEntry>::alloc_node(pg_sys::NodeTag::T_RangeTblEntry) };
    rte.rtekind = pg_sys::RTEKind::RTE_RELATION;
    rte.relid = table.rel_id();
    // SAFETY: an open relation's catalog row.
    rte.relkind = unsafe { (*(*table.rel()).rd_rel).relkind };
    rte.rellockmode = pg_sys::RowExclusiveLock as i32;
    let required = if update {
        pg_sys::ACL_SELECT | pg_sys::ACL_UPDATE
    } else {
        pg_sys::ACL_INSERT
    } as pg_sys::AclMode;
    #[cfg(feature = "pg15")]
    {
        rte.requiredPerms = required;
        if update {
            rte.updatedCols = column_set(written);
        } else {
            rte.insertedCols = column_set(written);
        }
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
        if update {
            permission.updatedCols = column_set(written);
        } else {
            permission.insertedCols = column_set(written);
        }
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
unsafe fn slot_value(slot: *mut pg_sys::TupleTableSlot, i: usize) -> (Datum, bool) {
    (*(*slot).tts_values.add(i), *(*slot).tts_isnull.add(i))
}

/// Sets a slot's value at a zero-based column (None: NULL).
///
/// # Safety
/// `slot` is a virtual slot with more than `i` columns, not yet stored.
unsafe fn set_slot_value(slot: *mut pg_sys::TupleTableSlot, i: usize, value: Option<Datum>) {
    *(*slot).tts_values.add(i) = value.unwrap_or(Datum::from(0));
    *(*slot).tts_isnull.add(i) = value.is_none();
}

/// The executor state of one direct write: both segment tables as result relations (range
/// table indexes 1 and 2) with their indexes open. Dropping it closes the indexes and frees the
/// state.
struct Writer {
    estate: *mut pg_sys::EState,
    epq: *mut pg_sys::EPQState,
    assignments: *mut pg_sys::ResultRelInfo,
    history: *mut pg_sys::ResultRelInfo,
}

impl Writer {
    /// # Safety
    /// Inside a statement with an active snapshot; the tables must stay open while the writer
    /// lives (declare it after them).
    unsafe fn new(
        assignments: &OpenTable,
        updated: &[usize],
        history: &OpenTable,
        inserted: &[usize],
    ) -> Writer {
        let estate = pg_sys::CreateExecutorState();
        let (mut range_table, mut permissions): (*mut pg_sys::List, *mut pg_sys::List) =
            (std::ptr::null_mut(), std::ptr::null_mut());
        for (index, (table, written, update)) in
            [(assignments, updated, true), (history, inserted, false)]
                .into_iter()
                .enumerate()
        {
            let (rte, permission) = range_table_entry(table, written, update, index as u32 + 1);
            range_table = pg_sys::lappend(range_table, rte.cast());
            if !permission.is_null() {
                permissions = pg_sys::lappend(permissions, permission);
            }
        }
        #[cfg(feature = "pg15")]
        pg_sys::ExecInitRangeTable(estate, range_table);
        #[cfg(not(feature = "pg15"))]
        pg_sys::ExecInitRangeTable(estate, range_table, permissions, unpruned_relations(2));
        let result_relation = |table: &OpenTable, index: u32| {
            let info = PgBox::<pg_sys::ResultRelInfo>::alloc_node(pg_sys::NodeTag::T_ResultRelInfo)
                .into_pg();
            pg_sys::InitResultRelInfo(info, table.rel(), index, std::ptr::null_mut(), 0);
            // Where ExecGetTriggerResultRel finds it when queued row triggers fire.
            (*estate).es_opened_result_relations =
                pg_sys::lappend((*estate).es_opened_result_relations, info.cast());
            pg_sys::ExecOpenIndices(info, false);
            info
        };
        let assignments = result_relation(assignments, 1);
        let history = result_relation(history, 2);
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
            assignments,
            history,
        }
    }

    /// A virtual slot of a result relation, freed with the writer.
    fn slot(&self, rel: *mut pg_sys::ResultRelInfo) -> *mut pg_sys::TupleTableSlot {
        // SAFETY: a result relation of this writer's live executor state.
        unsafe {
            pg_sys::ExecInitExtraTupleSlot(
                self.estate,
                (*(*rel).ri_RelationDesc).rd_att,
                &pg_sys::TTSOpsVirtual,
            )
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return; // the abort frees the executor memory and closes the indexes
        }
        // SAFETY: made in `new`, released once, while the tables are still open.
        unsafe {
            pg_sys::EvalPlanQualEnd(self.epq);
            pg_sys::ExecCloseIndices(self.assignments);
            pg_sys::ExecCloseIndices(self.history);
            pg_sys::ExecResetTupleTable((*self.estate).es_tupleTable, false);
            pg_sys::FreeExecutorState(self.estate);
        }
    }
}

/// Locks and updates the client's assignment and appends its history row, or returns false
/// having written nothing.
///
/// # Safety
/// Called from the answers trigger of a statement with an active snapshot; `client` is a
/// valid datum of the key type `key_type`, in a memory context that outlives the call.
pub unsafe fn write_assignment(
    entity: &Entity,
    config: &CompiledConfig,
    delta: &AnswerDelta,
    key_type: Oid,
    client: Datum,
) -> Result<bool> {
    let lock = pg_sys::RowExclusiveLock;
    let assignments = OpenTable::table(entity.assignments_oid, lock);
    let history = OpenTable::table(entity.history_oid, lock);
    let a = AssignmentColumns::find(&assignments.descriptor(), key_type);
    let h = HistoryColumns::find(&history.descriptor(), key_type);
    let (Some(a), Some(h)) = (a, h) else {
        return Ok(false);
    };
    let primary_key = assignments.primary_key_index();
    let sequence = identity_sequence(&history, h.history_id);
    let eligible = primary_key != pg_sys::InvalidOid
        && sequence != pg_sys::InvalidOid
        && assignments.writable_row_by_row(true)
        && history.writable_row_by_row(false)
        && has_privilege(
            entity.assignments_oid,
            pg_sys::ACL_SELECT | pg_sys::ACL_INSERT | pg_sys::ACL_UPDATE,
        )
        && has_privilege(entity.history_oid, pg_sys::ACL_INSERT);
    if !eligible {
        return Ok(false);
    }
    let writer = Writer::new(&assignments, &a.updated(), &history, &h.inserted());

    // The client's assignment, found by primary key and locked like UPDATE locks it: waits
    // for a concurrent writer of the same client, then reads the version it committed.
    let search = writer.slot(writer.assignments);
    for i in 0..assignments.descriptor().len() {
        set_slot_value(search, i, None);
    }
    set_slot_value(search, a.scheme_id, Some(Datum::from(delta.scheme_id)));
    set_slot_value(search, a.client_id, Some(client));
    pg_sys::ExecStoreVirtualTuple(search);
    // Rows this transaction wrote earlier in the same command must be visible to the lock.
    pg_sys::CommandCounterIncrement();
    let current = pg_sys::table_slot_create(assignments.rel(), &mut (*writer.estate).es_tupleTable);
    let found = pg_sys::RelationFindReplTupleByIndex(
        assignments.rel(),
        primary_key,
        pg_sys::LockTupleMode::LockTupleNoKeyExclusive,
        search,
        current,
    );
    let outcome = if found {
        update_locked(&writer, config, delta, current, &a, &h, sequence)
    } else {
        Ok(false) // the client's first answer: SQL inserts the assignment
    };
    drop(writer);
    if matches!(outcome, Ok(true)) {
        pg_sys::CommandCounterIncrement();
    }
    outcome
}

/// Writes the locked assignment row `current` and its history row; false (nothing written)
/// when the row is not one this path updates.
///
/// # Safety
/// `current` holds the locked assignment row, read through `writer`'s assignments relation.
unsafe fn update_locked(
    writer: &Writer,
    config: &CompiledConfig,
    delta: &AnswerDelta,
    current: *mut pg_sys::TupleTableSlot,
    a: &AssignmentColumns,
    h: &HistoryColumns,
    sequence: Oid,
) -> Result<bool> {
    pg_sys::slot_getallattrs(current);
    let desc = pgrx::PgTupleDesc::from_pg_unchecked((*current).tts_tupleDescriptor);
    let (old_score, score_null) = slot_value(current, a.score);
    let (answered, _) = slot_value(current, a.answered);
    let (old_segment, segment_null) = slot_value(current, a.segment);
    let (client, _) = slot_value(current, a.client_id);
    let answered = answered.value() as i32 + delta.answered;
    if score_null || answered <= 0 {
        return Ok(false); // the last answer went: SQL deletes the assignment
    }
    // A score beyond the engine's exact range stays with SQL's arbitrary precision.
    let Ok(previous) = parse_decimal(&numeric_text(old_score)) else {
        return Ok(false);
    };
    let Ok((score, level)) = config.rescore(delta, previous) else {
        return Ok(false);
    };
    let old_score =
        copy_value(&attribute(&desc, a.score), old_score).expect("numeric is a varlena");
    let old_segment_text = (!segment_null).then(|| text_contents(old_segment));
    let old_segment = (!segment_null)
        .then(|| copy_value(&attribute(&desc, a.segment), old_segment).expect("text is a varlena"));
    let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
    let new_score = numeric_value(&score.to_string());
    let new_segment = level.map(text_value);
    let version = Datum::from(delta.version);

    let next = writer.slot(writer.assignments);
    for i in 0..desc.len() {
        let (value, null) = slot_value(current, i);
        set_slot_value(next, i, (!null).then_some(value));
    }
    set_slot_value(next, a.score, Some(new_score));
    set_slot_value(next, a.answered, Some(Datum::from(answered)));
    set_slot_value(next, a.segment, new_segment);
    set_slot_value(next, a.version, Some(version));
    set_slot_value(next, a.assigned_at, Some(now));
    set_slot_value(next, a.previous_score, Some(old_score));
    set_slot_value(next, a.previous_segment, old_segment);
    pg_sys::ExecStoreVirtualTuple(next);

    pg_sys::AfterTriggerBeginQuery();
    pg_sys::ExecSimpleRelationUpdate(writer.assignments, writer.estate, writer.epq, current, next);
    if previous != score || old_segment_text.as_deref() != level {
        let row = writer.slot(writer.history);
        for i in 0..(*(*row).tts_tupleDescriptor).natts as usize {
            set_slot_value(row, i, None);
        }
        set_slot_value(
            row,
            h.history_id,
            Some(Datum::from(next_identity_value(sequence))),
        );
        set_slot_value(row, h.scheme_id, Some(Datum::from(delta.scheme_id)));
        set_slot_value(row, h.client_id, Some(client));
        set_slot_value(row, h.changed_at, Some(now));
        set_slot_value(row, h.old_score, Some(old_score));
        set_slot_value(row, h.new_score, Some(new_score));
        set_slot_value(row, h.old_segment, old_segment);
        set_slot_value(row, h.new_segment, new_segment);
        set_slot_value(row, h.cause, Some(text_value("answer")));
        set_slot_value(row, h.version, Some(version));
        pg_sys::ExecStoreVirtualTuple(row);
        pg_sys::ExecSimpleRelationInsert(writer.history, writer.estate, row);
    }
    // Fires the row triggers the writes queued: foreign key checks, and any of the user's.
    pg_sys::AfterTriggerEndQuery(writer.estate);
    Ok(true)
}
