//! The direct read of `segment.score` and `segment.segment_of`: one primary-key probe of the
//! assignments table under the statement's snapshot.

use super::columns::{client_column, AssignmentColumns};
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
    // SAFETY: an open index's pg_index row.
    let key_columns = unsafe {
        let form = &*(*index.rel()).rd_index;
        form.indkey
            .values
            .as_slice(form.indnkeyatts as usize)
            .to_vec()
    };
    if key_columns != [columns.scheme_id as i16 + 1, columns.client_id as i16 + 1] {
        return None;
    }
    let scheme_eq = equality_procedure(&index, 0, pg_sys::INT4OID)?;
    let client_eq = equality_procedure(&index, 1, client.type_oid())?;
    // SAFETY: scan keys over the open index's two key columns, with its collations; the scan
    // is declared after the relations it reads, so it ends before they close; the slot is of
    // the table's kind; the row is read while the scan holds its buffer.
    unsafe {
        let mut keys: [pg_sys::ScanKeyData; 2] = std::mem::zeroed();
        let probes = [
            (scheme_eq, Datum::from(scheme_id)),
            (client_eq, client.datum()),
        ];
        for (column, (key, (procedure, argument))) in keys.iter_mut().zip(probes).enumerate() {
            pg_sys::ScanKeyInit(
                key,
                column as pg_sys::AttrNumber + 1,
                pg_sys::BTEqualStrategyNumber as u16,
                procedure,
                argument,
            );
            key.sk_collation = *(*index.rel()).rd_indcollation.add(column);
        }
        keys[1].sk_subtype = client.type_oid();
        let slot = StandaloneSlot::for_table(&assignments);
        let scan = IndexScan::begin(&assignments, &index, 2);
        pg_sys::index_rescan(scan.ptr(), keys.as_mut_ptr(), 2, std::ptr::null_mut(), 0);
        if !pg_sys::index_getnext_slot(
            scan.ptr(),
            pg_sys::ScanDirection::ForwardScanDirection,
            slot.ptr(),
        ) {
            return None;
        }
        pg_sys::slot_getallattrs(slot.ptr());
        let value = |i: usize| {
            (
                *(*slot.ptr()).tts_values.add(i),
                *(*slot.ptr()).tts_isnull.add(i),
            )
        };
        let (score, score_null) = value(columns.score);
        let (segment, segment_null) = value(columns.segment);
        let score = if with_score {
            AnyNumeric::from_datum(score, score_null)
        } else {
            None
        };
        let segment = (!segment_null).then(|| text_contents(segment));
        Some((score, segment))
    }
}
