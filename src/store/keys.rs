//! Client arguments converted to the client key's own type exactly, or refused.
//!
//! The SQL API takes the client as `anycompatible`, so a caller may pass the key in its own
//! type, as an untyped literal (text), or as any other type. An explicit cast would silently
//! round (2.5 → bigint 3), truncate ('ABCDEF' → character(5) 'ABCDE') or apply a numeric scale;
//! a key that names another client is worse than an error. So the argument is converted to the
//! key's base type, then to the key type with its modifiers, and refused unless both steps kept
//! the value: the typed value equals the base value, and (for an argument that is not a string,
//! whose conversion is input parsing) the base value converts back to the argument unchanged.

use super::query::{self, render, Part};
use super::spi::ok;
use crate::client_key::ClientKey;
use crate::entity::Entity;
use crate::error::{Result, SegmentError};
use pgrx::pg_sys;
use pgrx::spi::Spi;
use std::ffi::CString;

/// The client argument as a value of the entity's key type.
pub fn exact_client(entity: &Entity, client: ClientKey) -> Result<ClientKey> {
    if client.type_oid() == entity.key_type_oid && entity.key_typmod < 0 {
        return Ok(client); // the key's own type, no modifier to respect
    }
    if let Some(widened) = widened_integer(entity, client) {
        return Ok(widened);
    }
    // SAFETY: system cache look-ups of type properties by OID.
    let (base, string_argument) = unsafe {
        let base = pg_sys::getBaseType(entity.key_type_oid);
        let category = pg_sys::TypeCategory(pg_sys::getBaseType(client.type_oid()));
        (
            base,
            category == pg_sys::TYPCATEGORY_STRING as std::ffi::c_char,
        )
    };
    let (argument_type, base_type) = (format_type(client.type_oid()), format_type(base));
    let sql = render(
        query::EXACT_CLIENT,
        &[
            ("argument_type", Part::Type(&argument_type)),
            ("base_type", Part::Type(&base_type)),
            ("key_type", Part::Type(&entity.key_type)),
        ],
    );
    let (converted, exact, given) = Spi::connect(|c| {
        let row = ok(c.select(
            sql.as_str(),
            Some(1),
            &[client.param(), string_argument.into()],
        ));
        ok(row.first().get_three::<String, bool, String>())
    });
    match (converted, exact) {
        (Some(text), Some(true)) => Ok(key_from_text(entity, &text)),
        _ => Err(SegmentError::InexactClientKey {
            value: given.unwrap_or_default(),
            key_type: entity.key_type.clone(),
            table: entity.client_table.clone(),
        }),
    }
}

/// A smaller integer for a wider integer key (an integer literal for a bigint key, the commonest
/// call there is): widening never changes a value, so no query is needed. Only for the plain
/// integer types; a domain's checks run in SQL.
fn widened_integer(entity: &Entity, client: ClientKey) -> Option<ClientKey> {
    use pg_sys::{INT2OID, INT4OID, INT8OID};
    let raw = client.datum().value();
    let value = match client.type_oid() {
        INT2OID => i64::from(raw as i16),
        INT4OID => i64::from(raw as i32),
        _ => return None,
    };
    match entity.key_type_oid {
        INT8OID => Some(ClientKey::new(pg_sys::Datum::from(value), INT8OID)),
        INT4OID if client.type_oid() == INT2OID => {
            Some(ClientKey::new(pg_sys::Datum::from(value as i32), INT4OID))
        }
        _ => None,
    }
}

/// A type's name as SQL spells it, without a modifier (`bpchar`, not `character`, which would
/// mean character(1)).
fn format_type(type_oid: pg_sys::Oid) -> String {
    // SAFETY: format_type_with_typemod returns a palloc'd C string for any type OID.
    unsafe {
        let name = pg_sys::format_type_with_typemod(type_oid, -1);
        std::ffi::CStr::from_ptr(name)
            .to_string_lossy()
            .into_owned()
    }
}

/// Parses the key's text form with the key type's input function, in the current memory
/// context, so the value outlives the SPI connection it was computed in.
fn key_from_text(entity: &Entity, text: &str) -> ClientKey {
    let text = CString::new(text).expect("a key's text form has no NUL byte");
    // SAFETY: the input function of the key type, called as PostgreSQL calls it, on the text
    // its own output function produced.
    let datum = unsafe {
        let mut input = pg_sys::InvalidOid;
        let mut io_param = pg_sys::InvalidOid;
        pg_sys::getTypeInputInfo(entity.key_type_oid, &mut input, &mut io_param);
        pg_sys::OidInputFunctionCall(input, text.as_ptr() as *mut _, io_param, entity.key_typmod)
    };
    ClientKey::new(datum, entity.key_type_oid)
}

/// The condition that a value is one of some client keys, `keys` (SQL for a text array, such
/// as `$1`): `= ANY` of the keys cast to the key's type, which an index on the compared column
/// serves in a generic plan. For a key that is an array, whose array type is itself (an
/// `integer[][]` is an `integer[]`), a semi-join with the keys instead.
pub(super) fn in_keys(entity: &Entity, keys: &str) -> String {
    // SAFETY: a syscache look-up of a type that exists (the key's).
    let key_is_array =
        unsafe { pg_sys::get_element_type(entity.key_type_oid) } != pg_sys::InvalidOid;
    if key_is_array {
        format!(
            "IN (SELECT CAST(k AS {}) FROM pg_catalog.unnest(CAST({keys} AS text[])) AS k)",
            entity.key_type
        )
    } else {
        format!(
            "= ANY (CAST(CAST({keys} AS text[]) AS {}[]))",
            entity.key_type
        )
    }
}
