//! Column values of the direct path: copies, comparisons and conversions of datums.

use pgrx::pg_sys::{self, Datum};
use std::ffi::{CStr, CString};

/// A copy of a column value in the current memory context, detoasted; None for a type of
/// neither fixed nor variable length (cstring), which this path does not handle.
///
/// # Safety
/// `value` must be a valid datum of the column `att` describes.
pub unsafe fn copy_value(att: &pg_sys::FormData_pg_attribute, value: Datum) -> Option<Datum> {
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
///
/// # Safety
/// Both must be values of the column `att` describes, as `copy_value` returns them.
pub unsafe fn same_bytes(att: &pg_sys::FormData_pg_attribute, a: Datum, b: Datum) -> bool {
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

/// A numeric's text form.
///
/// # Safety
/// `value` must be a valid numeric datum.
pub unsafe fn numeric_text(value: Datum) -> String {
    let text = pgrx::direct_function_call_as_datum(pg_sys::numeric_out, &[Some(value)])
        .expect("numeric_out returns a string");
    CStr::from_ptr(text.cast_mut_ptr())
        .to_string_lossy()
        .into_owned()
}

/// A text datum's contents.
///
/// # Safety
/// `value` must be a valid text datum.
pub unsafe fn text_contents(value: Datum) -> String {
    CStr::from_ptr(pg_sys::text_to_cstring(value.cast_mut_ptr()))
        .to_string_lossy()
        .into_owned()
}

/// A numeric datum (palloc'd) of a number's text form.
pub fn numeric_value(text: &str) -> Datum {
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

/// A text datum (palloc'd).
pub fn text_value(text: &str) -> Datum {
    // SAFETY: copies `text` into a palloc'd text datum.
    unsafe {
        Datum::from(pg_sys::cstring_to_text_with_len(
            text.as_ptr() as *const std::ffi::c_char,
            text.len() as i32,
        ))
    }
}

/// A text[] datum's elements; None when one of them is NULL.
///
/// # Safety
/// `value` must be a valid text[] datum.
pub unsafe fn text_array_contents(value: Datum) -> Option<Vec<String>> {
    use pgrx::FromDatum;
    let elements = <Vec<Option<String>> as FromDatum>::from_datum(value, false)?;
    elements.into_iter().collect()
}

/// A text[] datum (palloc'd) of these elements.
pub fn text_array_value(elements: &[String]) -> Datum {
    use pgrx::IntoDatum;
    elements
        .to_vec()
        .into_datum()
        .expect("an array of text is never NULL")
}
