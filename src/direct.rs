//! The single-answer hot path, below SPI.
//!
//! One changed answer of one client is the commonest write there is. Run as SQL, its
//! assignment update costs a plan check, the start-up of a statement of several nodes and a
//! speculative insertion: most of what the trigger adds to the write. Here the transition row
//! is read straight from the trigger's tuplestore, the compiled configuration gives the score
//! change and the new level, and the client's assignment row is found through its primary key,
//! locked, updated and its history row appended with the executor's single-row routines (the
//! ones logical replication applies rows with), so constraints, indexes, row triggers and
//! foreign keys act as they do for SQL.
//!
//! Only the plain case is taken: READ COMMITTED; a new or changed answer (not a removal); an
//! existing assignment that keeps at least one answer; segment tables with their known columns
//! and without statement triggers, transition tables or row security; a user holding the
//! privileges the SQL statement needs. Anything else returns `false` having written nothing,
//! and the SQL path in `store` does the work.
//!
//! `read_assignment` is the matching read for `segment.score` and `segment.segment_of`: one
//! primary-key probe of the assignments table under the statement's snapshot.

use crate::client_key::ClientKey;
use crate::engine::model::parse_decimal;
use crate::engine::{AnswerDelta, CompiledConfig};
use crate::error::Result;
use crate::store::{AnswerChange, Entity};
use pgrx::datum::AnyNumeric;
use pgrx::pg_sys::{self, Datum, Oid};
use pgrx::{FromDatum, PgBox, PgTupleDesc};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{CStr, CString};

extern "C-unwind" {
    // commands/sequence.h, not among pgrx's bindings; call through `next_identity_value`.
    fn nextval_internal(relid: Oid, check_permissions: bool) -> i64;
}

/// The next value of an identity sequence. Identity columns draw it without a privilege check,
/// as INSERT does.
unsafe fn next_identity_value(sequence: Oid) -> i64 {
    // An ERROR inside (sequence exhausted) becomes a Rust panic, then the same ERROR again.
    pg_sys::ffi::pg_guard_ffi_boundary(|| nextval_internal(sequence, false))
}

thread_local! {
    /// History table OID → the identity sequence of its history_id column; an entry goes with
    /// any relcache invalidation of its table (see `forget_relation`).
    static HISTORY_SEQUENCES: RefCell<HashMap<u32, Oid>> = RefCell::new(HashMap::new());
}

/// Called from the relcache callback: the table may have changed shape or sequence.
pub fn forget_relation(relid: Oid) {
    HISTORY_SEQUENCES.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            if relid == pg_sys::InvalidOid {
                m.clear();
            } else {
                m.remove(&relid.to_u32());
            }
        }
    });
}

const ANSWER_COLUMNS: [&str; 3] = ["client_id", "question_id", "option_id"];
const ASSIGNMENT_COLUMNS: [&str; 9] = [
    "scheme_id",
    "client_id",
    "score",
    "answered",
    "segment",
    "version",
    "assigned_at",
    "previous_score",
    "previous_segment",
];
const HISTORY_COLUMNS: [&str; 10] = [
    "history_id",
    "scheme_id",
    "client_id",
    "changed_at",
    "old_score",
    "new_score",
    "old_segment",
    "new_segment",
    "cause",
    "version",
];

/// The type each column of the segment tables has; `key_type` for client_id.
fn column_type(name: &str, key_type: Oid) -> Oid {
    use pg_sys::{INT4OID, INT8OID, NUMERICOID, TEXTOID, TIMESTAMPTZOID};
    match name {
        "client_id" => key_type,
        "history_id" => INT8OID,
        "score" | "previous_score" | "old_score" | "new_score" => NUMERICOID,
        "segment" | "previous_segment" | "old_segment" | "new_segment" | "cause" => TEXTOID,
        "assigned_at" | "changed_at" => TIMESTAMPTZOID,
        _ => INT4OID, // the ids, counts and versions
    }
}

/// Zero-based positions of the named columns, each of its expected type; None when one is
/// missing or of another type, or, with `exhaustive`, when the table has further columns
/// (whose defaults this path would not fill in).
fn column_positions<const N: usize>(
    desc: pg_sys::TupleDesc,
    names: [&str; N],
    key_type: Oid,
    exhaustive: bool,
) -> Option<[usize; N]> {
    // SAFETY: the descriptor of an open relation, alive while it is open.
    let desc = unsafe { PgTupleDesc::from_pg_unchecked(desc) };
    let mut found = [usize::MAX; N];
    for (i, att) in desc.iter().enumerate() {
        if att.is_dropped() {
            continue;
        }
        match names.iter().position(|name| *name == att.name()) {
            Some(n) if att.atttypid == column_type(names[n], key_type) => found[n] = i,
            Some(_) => return None,
            None if exhaustive => return None,
            None => {}
        }
    }
    found.iter().all(|&i| i != usize::MAX).then_some(found)
}

/// The client_id column, whose type is the client key's, whatever it is.
unsafe fn client_column(desc: pg_sys::TupleDesc) -> Option<pg_sys::FormData_pg_attribute> {
    PgTupleDesc::from_pg_unchecked(desc)
        .iter()
        .find(|att| !att.is_dropped() && att.name() == "client_id")
        .copied()
}

fn attribute(desc: pg_sys::TupleDesc, position: usize) -> pg_sys::FormData_pg_attribute {
    // SAFETY: `position` came from `column_positions` over the same descriptor.
    let desc = unsafe { PgTupleDesc::from_pg_unchecked(desc) };
    *desc
        .get(position)
        .expect("column position within its descriptor")
}

/// A copy of a column value in the current memory context, detoasted; None for a type this
/// path does not handle.
unsafe fn copy_value(att: &pg_sys::FormData_pg_attribute, value: Datum) -> Option<Datum> {
    if att.attbyval {
        return Some(value);
    }
    let (source, len) = match att.attlen {
        len if len > 0 => (value.cast_mut_ptr::<u8>() as *const u8, len as usize),
        -1 => {
            let plain = pg_sys::pg_detoast_datum_packed(value.cast_mut_ptr());
            (plain as *const u8, pgrx::varlena::varsize_any(plain))
        }
        _ => return None,
    };
    let copy = pg_sys::palloc(len) as *mut u8;
    std::ptr::copy_nonoverlapping(source, copy, len);
    Some(Datum::from(copy))
}

/// Whether two copies (from `copy_value`) hold the same bytes. Different bytes may still be
/// equal values; the caller then leaves the change to SQL, which compares with `=`.
unsafe fn same_bytes(att: &pg_sys::FormData_pg_attribute, a: Datum, b: Datum) -> bool {
    if att.attbyval {
        return a == b;
    }
    let slice = |d: Datum| -> &[u8] {
        let p = d.cast_mut_ptr::<pg_sys::varlena>();
        if att.attlen > 0 {
            std::slice::from_raw_parts(p as *const u8, att.attlen as usize)
        } else {
            std::slice::from_raw_parts(
                pgrx::varlena::vardata_any(p) as *const u8,
                pgrx::varlena::varsize_any_exhdr(p),
            )
        }
    };
    slice(a) == slice(b)
}

/// The one answer row of a transition table: (client, question id, option id).
unsafe fn transition_answer(
    table: *mut pg_sys::Tuplestorestate,
    desc: pg_sys::TupleDesc,
    columns: [usize; 3],
) -> Option<(Datum, i32, i32)> {
    if table.is_null() {
        return None;
    }
    let slot = pg_sys::MakeSingleTupleTableSlot(desc, &pg_sys::TTSOpsMinimalTuple);
    // Every scan of a transition table selects a read pointer of its own; rewinding pointer 0
    // before and after leaves the table as other readers expect it.
    pg_sys::tuplestore_select_read_pointer(table, 0);
    pg_sys::tuplestore_rescan(table);
    let mut answer = None;
    if pg_sys::tuplestore_gettupleslot(table, true, false, slot) {
        pg_sys::slot_getallattrs(slot);
        let value = |i: usize| (*(*slot).tts_values.add(i), *(*slot).tts_isnull.add(i));
        let [(client, client_null), (question, question_null), (option, option_null)] =
            columns.map(value);
        if !(client_null || question_null || option_null) {
            let client = copy_value(&attribute(desc, columns[0]), client);
            answer = client.map(|c| (c, question.value() as i32, option.value() as i32));
        }
    }
    pg_sys::tuplestore_rescan(table);
    pg_sys::ExecDropSingleTupleTableSlot(slot);
    answer
}

/// Whether the executor's single-row routines write this table as SQL would: an ordinary
/// table, no row security, no statement-level triggers or transition tables. For an update,
/// those of INSERT count too, and BEFORE INSERT row triggers: the SQL path's INSERT … ON
/// CONFLICT DO UPDATE fires them.
unsafe fn writable_row_by_row(rel: pg_sys::Relation, update: bool) -> bool {
    let form = &*(*rel).rd_rel;
    if form.relkind != pg_sys::RELKIND_RELATION as std::ffi::c_char || form.relrowsecurity {
        return false;
    }
    let triggers = (*rel).trigdesc;
    if triggers.is_null() {
        return true;
    }
    let t = &*triggers;
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

/// Whether the current user holds every privilege in `mode` on the relation (the SQL path's
/// statements need all of them, not any one).
unsafe fn has_privilege(relid: Oid, mode: u32) -> bool {
    let mode = mode as pg_sys::AclMode;
    pg_sys::pg_class_aclmask(
        relid,
        pg_sys::GetUserId(),
        mode,
        pg_sys::AclMaskHow::ACLMASK_ALL,
    ) == mode
}

unsafe fn identity_sequence(history: pg_sys::Relation, history_id: usize) -> Oid {
    let relid = (*history).rd_id;
    if let Some(seq) = HISTORY_SEQUENCES.with(|m| m.borrow().get(&relid.to_u32()).copied()) {
        return seq;
    }
    let attnum = (history_id + 1) as pg_sys::AttrNumber;
    #[cfg(feature = "pg15")]
    let seq = pg_sys::getIdentitySequence(relid, attnum, true);
    #[cfg(not(feature = "pg15"))]
    let seq = pg_sys::getIdentitySequence(history, attnum, true);
    HISTORY_SEQUENCES.with(|m| m.borrow_mut().insert(relid.to_u32(), seq));
    seq
}

fn numeric_text(value: Datum) -> String {
    // SAFETY: `value` is a numeric; numeric_out returns a palloc'd C string.
    unsafe {
        let text = pgrx::direct_function_call_as_datum(pg_sys::numeric_out, &[Some(value)])
            .expect("numeric_out returns a string");
        CStr::from_ptr(text.cast_mut_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

fn numeric_value(text: &str) -> Datum {
    let text = CString::new(text).expect("a number has no NUL");
    // SAFETY: numeric_in parses the C string it is given; typmod -1 keeps every digit.
    unsafe {
        pgrx::direct_function_call_as_datum(
            pg_sys::numeric_in,
            &[
                Some(Datum::from(text.as_ptr())),
                Some(Datum::from(pg_sys::InvalidOid)),
                Some(Datum::from(-1i32)),
            ],
        )
        .expect("numeric_in returns a number")
    }
}

fn text_value(text: &str) -> Datum {
    // SAFETY: copies `text` into a palloc'd text datum.
    unsafe {
        Datum::from(pg_sys::cstring_to_text_with_len(
            text.as_ptr() as *const std::ffi::c_char,
            text.len() as i32,
        ))
    }
}

/// The columns at zero-based `positions`, as the executor's column sets number them.
unsafe fn column_set(positions: &[usize]) -> *mut pg_sys::Bitmapset {
    let mut columns: *mut pg_sys::Bitmapset = std::ptr::null_mut();
    for &position in positions {
        columns = pg_sys::bms_add_member(
            columns,
            position as i32 + 1 - pg_sys::FirstLowInvalidHeapAttributeNumber,
        );
    }
    columns
}

/// A range table entry for a relation this path writes, carrying the columns it writes (which
/// error messages and column-specific row triggers consult). PostgreSQL 16 moved those into
/// a separate permission entry, returned second.
unsafe fn range_table_entry(
    rel: pg_sys::Relation,
    written: &[usize],
    update: bool,
    #[allow(unused_variables)] index: u32,
) -> (*mut pg_sys::RangeTblEntry, *mut std::ffi::c_void) {
    let mut rte = PgBox::<pg_sys::RangeTblEntry>::alloc_node(pg_sys::NodeTag::T_RangeTblEntry);
    rte.rtekind = pg_sys::RTEKind::RTE_RELATION;
    rte.relid = (*rel).rd_id;
    rte.relkind = (*(*rel).rd_rel).relkind;
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
        let mut permission =
            PgBox::<pg_sys::RTEPermissionInfo>::alloc_node(pg_sys::NodeTag::T_RTEPermissionInfo);
        permission.relid = (*rel).rd_id;
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
unsafe fn unpruned_relations(n: i32) -> *mut pg_sys::Bitmapset {
    let mut set: *mut pg_sys::Bitmapset = std::ptr::null_mut();
    for i in 1..=n {
        set = pg_sys::bms_add_member(set, i);
    }
    set
}

/// The executor state of one direct write: both segment tables as result relations (range
/// table indexes 1 and 2) with their indexes open.
struct Writer {
    estate: *mut pg_sys::EState,
    epq: *mut pg_sys::EPQState,
    assignments: *mut pg_sys::ResultRelInfo,
    history: *mut pg_sys::ResultRelInfo,
}

impl Writer {
    unsafe fn new(
        assignments: pg_sys::Relation,
        updated: &[usize],
        history: pg_sys::Relation,
        inserted: &[usize],
    ) -> Writer {
        let estate = pg_sys::CreateExecutorState();
        let (mut range_table, mut permissions): (*mut pg_sys::List, *mut pg_sys::List) =
            (std::ptr::null_mut(), std::ptr::null_mut());
        for (index, (rel, written, update)) in
            [(assignments, updated, true), (history, inserted, false)]
                .into_iter()
                .enumerate()
        {
            let (rte, permission) = range_table_entry(rel, written, update, index as u32 + 1);
            range_table = pg_sys::lappend(range_table, rte.cast());
            if !permission.is_null() {
                permissions = pg_sys::lappend(permissions, permission);
            }
        }
        #[cfg(feature = "pg15")]
        pg_sys::ExecInitRangeTable(estate, range_table);
        #[cfg(not(feature = "pg15"))]
        pg_sys::ExecInitRangeTable(estate, range_table, permissions, unpruned_relations(2));
        let result_relation = |rel: pg_sys::Relation, index: u32| {
            let info = PgBox::<pg_sys::ResultRelInfo>::alloc_node(pg_sys::NodeTag::T_ResultRelInfo)
                .into_pg();
            pg_sys::InitResultRelInfo(info, rel, index, std::ptr::null_mut(), 0);
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

    unsafe fn slot(&self, rel: *mut pg_sys::ResultRelInfo) -> *mut pg_sys::TupleTableSlot {
        pg_sys::ExecInitExtraTupleSlot(
            self.estate,
            (*(*rel).ri_RelationDesc).rd_att,
            &pg_sys::TTSOpsVirtual,
        )
    }

    unsafe fn finish(self) {
        pg_sys::EvalPlanQualEnd(self.epq);
        pg_sys::ExecCloseIndices(self.assignments);
        pg_sys::ExecCloseIndices(self.history);
        pg_sys::ExecResetTupleTable((*self.estate).es_tupleTable, false);
        pg_sys::FreeExecutorState(self.estate);
    }
}

/// Applies the one answer row of the running answers statement without SQL. Returns whether
/// it did; `false` means nothing was written and the SQL path must run.
pub fn apply_single_answer(
    entity: &Entity,
    config: &CompiledConfig,
    td: &pg_sys::TriggerData,
    change: AnswerChange,
) -> Result<bool> {
    if change == AnswerChange::Delete {
        return Ok(false); // may be a deleted client's cascade, which SQL recognises
    }
    // SAFETY: reads a backend global.
    if unsafe { pg_sys::XactIsoLevel } != pg_sys::XACT_READ_COMMITTED as i32 {
        return Ok(false);
    }
    // SAFETY: the trigger data of the trigger running now, with its relation open.
    unsafe {
        let answers_desc = (*td.tg_relation).rd_att;
        let Some(client_att) = client_column(answers_desc) else {
            return Ok(false);
        };
        let key_type = client_att.atttypid;
        let Some(answer_columns) = column_positions(answers_desc, ANSWER_COLUMNS, key_type, false)
        else {
            return Ok(false);
        };
        let Some((client, question_id, new_option)) =
            transition_answer(td.tg_newtable, answers_desc, answer_columns)
        else {
            return Ok(false);
        };
        let old_option = match change {
            AnswerChange::Update => {
                let Some((old_client, old_question, old_option)) =
                    transition_answer(td.tg_oldtable, answers_desc, answer_columns)
                else {
                    return Ok(false);
                };
                if old_question != question_id || !same_bytes(&client_att, client, old_client) {
                    return Ok(false);
                }
                Some(old_option)
            }
            _ => None,
        };
        let Some(delta) =
            config.answer_delta(entity.entity_id, question_id, Some(new_option), old_option)?
        else {
            return Ok(false);
        };
        if delta.score.is_zero() && delta.answered == 0 {
            return Ok(true); // the same points as before: nothing changes
        }
        write_assignment(entity, config, &delta, key_type, client)
    }
}

/// Locks and updates the client's assignment and appends its history row, or returns false
/// having written nothing.
unsafe fn write_assignment(
    entity: &Entity,
    config: &CompiledConfig,
    delta: &AnswerDelta,
    key_type: Oid,
    client: Datum,
) -> Result<bool> {
    let lock = pg_sys::RowExclusiveLock as pg_sys::LOCKMODE;
    let assignments = pg_sys::table_open(entity.assignments_oid, lock);
    let history = pg_sys::table_open(entity.history_oid, lock);
    let close = || {
        pg_sys::table_close(history, pg_sys::NoLock as pg_sys::LOCKMODE);
        pg_sys::table_close(assignments, pg_sys::NoLock as pg_sys::LOCKMODE);
    };
    let assignment_columns =
        column_positions((*assignments).rd_att, ASSIGNMENT_COLUMNS, key_type, false);
    let history_columns = column_positions((*history).rd_att, HISTORY_COLUMNS, key_type, true);
    let primary_key = primary_key_index(assignments);
    let (Some(a), Some(h)) = (assignment_columns, history_columns) else {
        close();
        return Ok(false);
    };
    let sequence = if attribute((*history).rd_att, h[0]).attidentity != 0 {
        identity_sequence(history, h[0])
    } else {
        pg_sys::InvalidOid
    };
    let eligible = primary_key != pg_sys::InvalidOid
        && sequence != pg_sys::InvalidOid
        && writable_row_by_row(assignments, true)
        && writable_row_by_row(history, false)
        && has_privilege(
            entity.assignments_oid,
            pg_sys::ACL_SELECT | pg_sys::ACL_INSERT | pg_sys::ACL_UPDATE,
        )
        && has_privilege(entity.history_oid, pg_sys::ACL_INSERT);
    if !eligible {
        close();
        return Ok(false);
    }
    // [score, answered, segment, version, assigned_at, previous_score, previous_segment]
    let updated = [a[2], a[3], a[4], a[5], a[6], a[7], a[8]];
    let writer = Writer::new(assignments, &updated, history, &h[1..]);

    // The client's assignment, found by primary key and locked like UPDATE locks it: waits
    // for a concurrent writer of the same client, then reads the version it committed.
    let search = writer.slot(writer.assignments);
    let natts = (*(*assignments).rd_att).natts as usize;
    for i in 0..natts {
        *(*search).tts_isnull.add(i) = true;
    }
    *(*search).tts_values.add(a[0]) = Datum::from(delta.scheme_id);
    *(*search).tts_isnull.add(a[0]) = false;
    *(*search).tts_values.add(a[1]) = client;
    *(*search).tts_isnull.add(a[1]) = false;
    pg_sys::ExecStoreVirtualTuple(search);
    // Rows this transaction wrote earlier in the same command must be visible to the lock.
    pg_sys::CommandCounterIncrement();
    let current = pg_sys::table_slot_create(assignments, &mut (*writer.estate).es_tupleTable);
    let found = pg_sys::RelationFindReplTupleByIndex(
        assignments,
        primary_key,
        pg_sys::LockTupleMode::LockTupleNoKeyExclusive,
        search,
        current,
    );
    let outcome = if found {
        update_locked(&writer, config, delta, current, a, h, sequence)
    } else {
        Ok(false) // the client's first answer: SQL inserts the assignment
    };
    writer.finish();
    close();
    if matches!(outcome, Ok(true)) {
        pg_sys::CommandCounterIncrement();
    }
    outcome
}

/// Writes the locked assignment row `current` and its history row; false (nothing written)
/// when the row is not one this path updates.
#[allow(clippy::too_many_arguments)]
unsafe fn update_locked(
    writer: &Writer,
    config: &CompiledConfig,
    delta: &AnswerDelta,
    current: *mut pg_sys::TupleTableSlot,
    a: [usize; 9],
    h: [usize; 10],
    sequence: Oid,
) -> Result<bool> {
    pg_sys::slot_getallattrs(current);
    let desc = (*current).tts_tupleDescriptor;
    let natts = (*desc).natts as usize;
    let value = |i: usize| (*(*current).tts_values.add(i), *(*current).tts_isnull.add(i));
    let (old_score, score_null) = value(a[2]);
    let (answered, _) = value(a[3]);
    let (old_segment, segment_null) = value(a[4]);
    let (client, _) = value(a[1]);
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
    let old_score = copy_value(&attribute(desc, a[2]), old_score).expect("numeric is a varlena");
    let old_segment_text = (!segment_null)
        .then(|| CStr::from_ptr(pg_sys::text_to_cstring(old_segment.cast_mut_ptr())))
        .map(|s| s.to_string_lossy().into_owned());
    let old_segment = (!segment_null)
        .then(|| copy_value(&attribute(desc, a[4]), old_segment).expect("text is a varlena"));
    let now = Datum::from(pg_sys::GetCurrentTransactionStartTimestamp());
    let new_score = numeric_value(&score.to_string());
    let new_segment = level.map(text_value);
    let version = Datum::from(delta.version);

    let next = writer.slot(writer.assignments);
    for i in 0..natts {
        let (v, null) = value(i);
        *(*next).tts_values.add(i) = v;
        *(*next).tts_isnull.add(i) = null;
    }
    let set = |i: usize, v: Option<Datum>| {
        *(*next).tts_values.add(i) = v.unwrap_or(Datum::from(0));
        *(*next).tts_isnull.add(i) = v.is_none();
    };
    set(a[2], Some(new_score));
    set(a[3], Some(Datum::from(answered)));
    set(a[4], new_segment);
    set(a[5], Some(version));
    set(a[6], Some(now));
    set(a[7], Some(old_score));
    set(a[8], old_segment);
    pg_sys::ExecStoreVirtualTuple(next);

    pg_sys::AfterTriggerBeginQuery();
    pg_sys::ExecSimpleRelationUpdate(writer.assignments, writer.estate, writer.epq, current, next);
    if previous != score || old_segment_text.as_deref() != level {
        let row = writer.slot(writer.history);
        let values = [
            Some(Datum::from(next_identity_value(sequence))),
            Some(Datum::from(delta.scheme_id)),
            Some(client),
            Some(now),
            Some(old_score),
            Some(new_score),
            old_segment,
            new_segment,
            Some(text_value("answer")),
            Some(version),
        ];
        for i in 0..(*(*row).tts_tupleDescriptor).natts as usize {
            *(*row).tts_isnull.add(i) = true;
        }
        for (column, v) in h.iter().zip(values) {
            *(*row).tts_values.add(*column) = v.unwrap_or(Datum::from(0));
            *(*row).tts_isnull.add(*column) = v.is_none();
        }
        pg_sys::ExecStoreVirtualTuple(row);
        pg_sys::ExecSimpleRelationInsert(writer.history, writer.estate, row);
    }
    // Fires the row triggers the writes queued: foreign key checks, and any of the user's.
    pg_sys::AfterTriggerEndQuery(writer.estate);
    Ok(true)
}

unsafe fn primary_key_index(rel: pg_sys::Relation) -> Oid {
    #[cfg(feature = "pg15")]
    return pg_sys::RelationGetPrimaryKeyIndex(rel);
    #[cfg(not(feature = "pg15"))]
    return pg_sys::RelationGetPrimaryKeyIndex(rel, false);
}

/// The equality procedure of an index column's operator family between its own type and
/// `argument_type`, e.g. bigint = integer for an integer literal against a bigint key; None
/// when the family has none (the SQL path then casts).
unsafe fn equality_procedure(
    index: pg_sys::Relation,
    column: usize,
    argument_type: Oid,
) -> Option<pg_sys::RegProcedure> {
    let family = *(*index).rd_opfamily.add(column);
    let own_type = *(*index).rd_opcintype.add(column);
    let operator = pg_sys::get_opfamily_member(
        family,
        own_type,
        argument_type,
        pg_sys::BTEqualStrategyNumber as i16,
    );
    (operator != pg_sys::InvalidOid).then(|| pg_sys::get_opcode(operator))
}

/// The client's row in the scheme's assignments, read through the primary key with the
/// statement's snapshot: (score if `with_score`, segment). None when there is no row, or when
/// this path cannot tell (row security, no SELECT privilege, a key argument whose type the key
/// column cannot be compared with directly): the SQL path then answers, with its errors.
pub fn read_assignment(
    entity: &Entity,
    scheme_id: i32,
    client: ClientKey,
    with_score: bool,
) -> Option<(Option<AnyNumeric>, Option<String>)> {
    // SAFETY: relations opened and closed here, read under the active snapshot of the running
    // statement; every pointer comes from PostgreSQL and lives for this call.
    unsafe {
        let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
        let assignments = pg_sys::table_open(entity.assignments_oid, lock);
        let close = |index: Option<pg_sys::Relation>| {
            if let Some(index) = index {
                pg_sys::index_close(index, pg_sys::NoLock as pg_sys::LOCKMODE);
            }
            pg_sys::table_close(assignments, pg_sys::NoLock as pg_sys::LOCKMODE);
        };
        let desc = (*assignments).rd_att;
        let columns = client_column(desc).and_then(|client_att| {
            column_positions(
                desc,
                ["scheme_id", "client_id", "score", "segment"],
                client_att.atttypid,
                false,
            )
        });
        let primary_key = primary_key_index(assignments);
        let readable = !(*(*assignments).rd_rel).relrowsecurity
            && has_privilege(entity.assignments_oid, pg_sys::ACL_SELECT);
        let (Some([scheme_col, client_col, score_col, segment_col]), true, true) =
            (columns, primary_key != pg_sys::InvalidOid, readable)
        else {
            close(None);
            return None;
        };
        let index = pg_sys::index_open(primary_key, lock);
        let form = &*(*index).rd_index;
        let key_columns = form.indkey.values.as_slice(form.indnkeyatts as usize);
        let probes = if key_columns == [scheme_col as i16 + 1, client_col as i16 + 1] {
            equality_procedure(index, 0, pg_sys::INT4OID).zip(equality_procedure(
                index,
                1,
                client.type_oid(),
            ))
        } else {
            None
        };
        let Some((scheme_eq, client_eq)) = probes else {
            close(Some(index));
            return None;
        };
        let mut keys: [pg_sys::ScanKeyData; 2] = std::mem::zeroed();
        pg_sys::ScanKeyInit(
            &mut keys[0],
            1,
            pg_sys::BTEqualStrategyNumber as u16,
            scheme_eq,
            Datum::from(scheme_id),
        );
        pg_sys::ScanKeyInit(
            &mut keys[1],
            2,
            pg_sys::BTEqualStrategyNumber as u16,
            client_eq,
            client.datum(),
        );
        for (key, column) in keys.iter_mut().zip(0..) {
            key.sk_collation = *(*index).rd_indcollation.add(column);
        }
        keys[1].sk_subtype = client.type_oid();
        let slot = pg_sys::table_slot_create(assignments, std::ptr::null_mut());
        #[cfg(feature = "pg15")]
        let scan = pg_sys::index_beginscan(assignments, index, pg_sys::GetActiveSnapshot(), 2, 0);
        #[cfg(not(feature = "pg15"))]
        let scan = pg_sys::index_beginscan(
            assignments,
            index,
            pg_sys::GetActiveSnapshot(),
            std::ptr::null_mut(),
            2,
            0,
        );
        pg_sys::index_rescan(scan, keys.as_mut_ptr(), 2, std::ptr::null_mut(), 0);
        let mut found = None;
        if pg_sys::index_getnext_slot(scan, pg_sys::ScanDirection::ForwardScanDirection, slot) {
            pg_sys::slot_getallattrs(slot);
            let value = |i: usize| (*(*slot).tts_values.add(i), *(*slot).tts_isnull.add(i));
            let (score, score_null) = value(score_col);
            let (segment, segment_null) = value(segment_col);
            let score = if with_score {
                AnyNumeric::from_datum(score, score_null)
            } else {
                None
            };
            let segment = (!segment_null).then(|| {
                CStr::from_ptr(pg_sys::text_to_cstring(segment.cast_mut_ptr()))
                    .to_string_lossy()
                    .into_owned()
            });
            found = Some((score, segment));
        }
        pg_sys::index_endscan(scan);
        pg_sys::ExecDropSingleTupleTableSlot(slot);
        close(Some(index));
        found
    }
}
