//! The client-table argument of `segment.create_scheme`: a `regclass` taken as a bare OID.
//! pgrx's relation argument opens the relation on the way in, so an OID that names no relation
//! (`999999::regclass`) would fail there with an internal error; this one lets the function
//! check and refuse it with 42P01.

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::{FromDatum, IntoDatum};

#[derive(Debug, Clone, Copy)]
pub struct ClientTable(pub pg_sys::Oid);

impl FromDatum for ClientTable {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _typoid: pg_sys::Oid,
    ) -> Option<Self> {
        (!is_null).then(|| ClientTable(pg_sys::Oid::from(datum.value() as u32)))
    }
}

impl IntoDatum for ClientTable {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        Some(pg_sys::Datum::from(self.0))
    }
    fn type_oid() -> pg_sys::Oid {
        pg_sys::REGCLASSOID
    }
}

// SAFETY: unboxes through FromDatum, which takes the datum with the type PostgreSQL passed.
unsafe impl<'fcx> ArgAbi<'fcx> for ClientTable {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        // SAFETY: the caller guarantees a non-null regclass argument.
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("argument {index} must not be null"))
    }
}

// SAFETY: the SQL type named here is the one the datum conversions above read and write.
unsafe impl SqlTranslatable for ClientTable {
    const TYPE_IDENT: &'static str = "pg_segment::client_table::ClientTable";
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> =
        Ok(SqlMappingRef::literal("regclass"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("regclass")));
}
