//! The direct read of `segment.score` and `segment.segment_of`: one primary-key probe of the
//! assignments table under the statement's snapshot.

use super::columns::{client_column, is_named, AssignmentColumns};
use super::guards::{IndexScan, OpenIndex, OpenTable, StandaloneSlot};
use super::values::text_contents;
use crate::client_key::ClientKey;
use crate::entity::Entity;
use crate::security::has_privilege;
use pgrx::datum::AnyNumeric;
use pgrx::pg_sys::{self, Datum, Oid};
use pgrx::FromDatum;

/// The equality procedure of an index column's operator family between its own type and
/// `argument_type`, e.g. bigint = integer for an integer literal against a bigint key; None
/// when the family has none (the SQL path then casts).
fn equality_procedure(
    index: &OpenIndex,
    column: usize,
    argument_type: Oid,
) -> Option<pg_sys::RegProcedure> {
    // SAFETY: an open index's operator families and input types, one per key column.
    unsafe {
        let rel = index.rel();
        let family = *(*rel).rd_opfamily.add(column);
        let own_type = *(*rel).rd_opcintype.add(column);
        let operator = pg_sys::get_opfamily_member(
            family,
            own_type,
            argument_type,
            pg_sys::BTEqualStrategyNumber as i16,
        );
        (operator != pg_sys::InvalidOid).then(|| pg_sys::get_opcode(operator))
    }
}

/// A scan key for the index's key column `column` (zero-based) equal to `argument`, of
/// `argument_type`, compared with the column's operator family and collation; None when the
/// family has no equality operator for that type.
pub(super) fn equal_key(
    index: &OpenIndex,
    column: usize,
    argument_type: Oid,
    argument: Datum,
) -> Option<pg_sys::ScanKeyData> {
    let procedure = equality_procedure(index, column, argument_type)?;
    // SAFETY: a zeroed scan key, filled in by ScanKeyInit; the index's collations, one per key
    // column.
    unsafe {
        let mut key: pg_sys::ScanKeyData = std::mem::zeroed();
        pg_sys::ScanKeyInit(
            &mut key,
            column as pg_sys::AttrNumber + 1,
            pg_sys::BTEqualStrategyNumber as u16,
            procedure,
            argument,
        );
        key.sk_collation = *(*index.rel()).rd_indcollation.add(column);
        key.sk_subtype = argument_type;
        Some(key)
    }
}

/// Finds the row of `table` whose `index` key equals `probes` (per key column: the argument's
/// type and value) under the statement's snapshot, and reads it with `read`. None when this
/// path cannot tell (an argument type the key column cannot be compared with directly);
/// Some(None) when there is no such row.
fn probe<T>(
    table: &OpenTable,
    index: &OpenIndex,
    probes: &[(Oid, Datum)],
    read: impl FnOnce(*mut pg_sys::TupleTableSlot) -> T,
) -> Option<Option<T>> {
    let mut keys = Vec::with_capacity(probes.len());
    for (column, &(argument_type, argument)) in probes.iter().enumerate() {
        keys.push(equal_key(index, column, argument_type, argument)?);
    }
    let n = keys.len() as i32;
    // SAFETY: the scan is declared after the relations it reads, so it ends before they close;
    // the slot is of the table's kind; the row is read while the scan holds its buffer.
    unsafe {
        let slot = StandaloneSlot::for_table(table);
        let scan = IndexScan::begin(table, index, n);
        pg_sys::index_rescan(scan.ptr(), keys.as_mut_ptr(), n, std::ptr::null_mut(), 0);
        let found = pg_sys::index_getnext_slot(
            scan.ptr(),
            pg_sys::ScanDirection::ForwardScanDirection,
            slot.ptr(),
        );
        if !found {
            return Some(None);
        }
        pg_sys::slot_getallattrs(slot.ptr());
        Some(Some(read(slot.ptr())))
    }
}

/// The key columns of an open index, as 1-based attribute numbers of its table.
pub(super) fn key_columns(index: &OpenIndex) -> Vec<i16> {
    // SAFETY: an open index's pg_index row.
    unsafe {
        let form = &*(*index.rel()).rd_index;
        form.indkey
            .values
            .as_slice(form.indnkeyatts as usize)
            .to_vec()
    }
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
    let lock = pg_sys::AccessShareLock;
    // SAFETY: called from a SQL function, inside a transaction.
    let assignments = unsafe { OpenTable::table(entity.assignments_oid, lock) };
    let desc = assignments.descriptor();
    let columns = client_column(&desc)
        .and_then(|client_att| AssignmentColumns::find(&desc, client_att.atttypid))?;
    let primary_key = assignments.primary_key_index();
    // SAFETY: an open relation's catalog row.
    let row_security = unsafe { (*(*assignments.rel()).rd_rel).relrowsecurity };
    if primary_key == pg_sys::InvalidOid
        || row_security
        || !has_privilege(entity.assignments_oid, pg_sys::ACL_SELECT)
    {
        return None;
    }
    // SAFETY: the primary key of the open table.
    let index = unsafe { OpenIndex::index(primary_key, lock) };
    if key_columns(&index) != [columns.scheme_id as i16 + 1, columns.client_id as i16 + 1] {
        return None;
    }
    let probes = [
        (pg_sys::INT4OID, Datum::from(scheme_id)),
        (client.type_oid(), client.datum()),
    ];
    probe(&assignments, &index, &probes, |slot| {
        // SAFETY: a deformed row of the assignments table, whose columns `columns` found.
        let value = |i: usize| unsafe { (*(*slot).tts_values.add(i), *(*slot).tts_isnull.add(i)) };
        let (score, score_null) = value(columns.score);
        let (segment, segment_null) = value(columns.segment);
        let score = if with_score {
            // SAFETY: a numeric column's value, read while the scan holds the row.
            unsafe { AnyNumeric::from_datum(score, score_null) }
        } else {
            None
        };
        // SAFETY: a text column's value, read while the scan holds the row.
        let segment = (!segment_null).then(|| unsafe { text_contents(segment) });
        (score, segment)
    })?
}

/// Whether the client's row exists in its table, found through the primary key under the
/// statement's snapshot, as the SQL check (run as the table's owner, who needs no privilege
/// for it) finds it. None when this path cannot tell: a partitioned table, one with
/// inheritance children or row security, a primary key that is not the key column alone, a
/// key argument the key column cannot be compared with directly.
pub fn client_exists(entity: &Entity, client: ClientKey) -> Option<bool> {
    let lock = pg_sys::AccessShareLock;
    // SAFETY: called from a SQL function, inside a transaction.
    let table = unsafe { OpenTable::table(entity.client_table_oid, lock) };
    // SAFETY: an open relation's catalog row.
    let form = unsafe { &*(*table.rel()).rd_rel };
    if form.relkind != pg_sys::RELKIND_RELATION as std::ffi::c_char
        || form.relhassubclass
        || form.relrowsecurity
    {
        return None;
    }
    let primary_key = table.primary_key_index();
    if primary_key == pg_sys::InvalidOid {
        return None;
    }
    // SAFETY: the primary key of the open table.
    let index = unsafe { OpenIndex::index(primary_key, lock) };
    let key_attnum = table
        .descriptor()
        .iter()
        .position(|att| !att.is_dropped() && is_named(att, &entity.key_column))?;
    if key_columns(&index) != [key_attnum as i16 + 1] {
        return None;
    }
    let found = probe(
        &table,
        &index,
        &[(client.type_oid(), client.datum())],
        |_| (),
    )?;
    Some(found.is_some())
}
