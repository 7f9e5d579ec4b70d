//! What the direct recompute of one client of a ruled scheme reads (`direct::apply_ruled_answer`):
//! the client's row locked, with its variant column, and then every answer row of the client.
//!
//! The lock is the one `lock_clients` takes for the SQL recompute (FOR NO KEY UPDATE): two
//! writers of one client's answers, or a writer and an update of the client's variant column,
//! take turns on it. The answers are read by a second statement, under a snapshot taken after
//! the lock was granted, so they include whatever the writer that held it before committed.

use super::plans::{kept_plan, NO_TRANSITION_TABLES};
use super::query::{entity_parts, for_entity, render, Part};
use super::spi::{ok, with_pinned_search_path};
use crate::engine::model::parse_decimal;
use crate::engine::ClientAnswer;
use crate::entity::Entity;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::spi::Spi;
use pgrx::PgOid;

/// A client of a ruled scheme as its recompute reads it.
pub struct RuledClient {
    /// its variant column's text form (None: NULL, or the scheme selects no variants)
    pub variant_value: Option<String>,
    /// every row of its answers and picks (other schemes' questions included)
    pub answers: Vec<ClientAnswer>,
}

/// Locks the client `key` (a datum of the entity's key type) and reads it; `variant_column`
/// is the column that selects the scheme's variants, if any. None when the client row is not
/// there to lock (the SQL path then decides) or a number answer's value is beyond the engine's
/// exact range. Runs as the caller's role, under the pinned search path; the variant column's
/// text form under fixed settings (ISO dates, UTC) where its type prints by settings.
pub fn read_ruled_client(
    entity: &Entity,
    key: &DatumWithOid<'_>,
    variant_column: Option<&str>,
) -> Option<RuledClient> {
    let variant = match variant_column {
        Some(column) => render(
            "CAST(segment_client.{{column}} AS text)",
            &[("column", Part::Identifier(column))],
        ),
        None => "NULL::text".to_string(),
    };
    let mut parts = entity_parts(entity).to_vec();
    parts.push(("variant", Part::Sql(&variant)));
    let lock = render(
        "SELECT {{variant}} FROM {{client_table}} AS segment_client \
         WHERE segment_client.{{key_column}} = $1 \
         FOR NO KEY UPDATE OF segment_client",
        &parts,
    );
    let answers = for_entity(
        "SELECT question_id, option_id, CAST(value AS text), false FROM {{answers}} \
         WHERE client_id = $1 \
         UNION ALL \
         SELECT question_id, option_id, NULL, true FROM {{picks}} WHERE client_id = $1",
        entity,
    );
    let types = [PgOid::from(key.oid())];
    let read = || {
        Spi::connect_mut(|c| {
            let plan = kept_plan(c, NO_TRANSITION_TABLES, &lock, &types, true);
            let locked = ok(c.update(&*plan, None, std::slice::from_ref(key)));
            if locked.is_empty() {
                return None;
            }
            let variant_value = ok(locked.first().get::<String>(1));
            let plan = kept_plan(c, NO_TRANSITION_TABLES, &answers, &types, true);
            let mut rows = Vec::new();
            for row in ok(c.update(&*plan, None, std::slice::from_ref(key))) {
                let question_id = ok(row.get::<i32>(1))?;
                let option_id = ok(row.get::<i32>(2));
                let value = match ok(row.get::<String>(3)) {
                    Some(text) => Some(parse_decimal(&text).ok()?),
                    None => None,
                };
                rows.push(ClientAnswer {
                    question_id,
                    option_id,
                    value,
                    picked: ok(row.get::<bool>(4)).unwrap_or(false),
                });
            }
            Some(RuledClient {
                variant_value,
                answers: rows,
            })
        })
    };
    with_pinned_search_path(|| match variant_column {
        Some(column) if prints_by_settings(entity.client_table_oid, column) => {
            crate::security::with_value_settings(read)
        }
        _ => read(),
    })
}

/// Whether a column's text form may depend on the session's settings (dates and times by
/// DateStyle and TimeZone, floats by extra_float_digits, bytea by bytea_output, and any type
/// this does not know): all but strings, integers, numeric, boolean, uuid and enums.
fn prints_by_settings(table: pg_sys::Oid, column: &str) -> bool {
    let Ok(name) = std::ffi::CString::new(column) else {
        return true;
    };
    // SAFETY: catalog look-ups by OID and name; a missing column gives InvalidAttrNumber and
    // InvalidOid.
    unsafe {
        let attnum = pg_sys::get_attnum(table, name.as_ptr());
        if attnum == pg_sys::InvalidAttrNumber as pg_sys::AttrNumber {
            return true;
        }
        let base = pg_sys::getBaseType(pg_sys::get_atttype(table, attnum));
        let settled = [
            pg_sys::TEXTOID,
            pg_sys::VARCHAROID,
            pg_sys::BPCHAROID,
            pg_sys::NAMEOID,
            pg_sys::CHAROID,
            pg_sys::INT2OID,
            pg_sys::INT4OID,
            pg_sys::INT8OID,
            pg_sys::NUMERICOID,
            pg_sys::BOOLOID,
            pg_sys::UUIDOID,
        ];
        !(settled.contains(&base) || pg_sys::type_is_enum(base))
    }
}
