//! The client argument of the SQL API: a value of any type, declared `anycompatible` so that an
//! untyped literal ('ACC-1', 'a0ee…') resolves to text. The store casts it in SQL to the client
//! key's own type, so an integer literal works for a bigint key and a text literal for a uuid.

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::{FromDatum, IntoDatum};

#[derive(Debug, Clone, Copy)]
pub struct ClientKey {
    datum: pg_sys::Datum,
    typoid: pg_sys::Oid,
}

impl ClientKey {
    /// A key of type `typoid` whose datum lives in the current memory context (or is passed
    /// by value).
    pub fn new(datum: pg_sys::Datum, typoid: pg_sys::Oid) -> Self {
        ClientKey { datum, typoid }
    }

    /// The type PostgreSQL resolved for the argument.
    pub fn type_oid(&self) -> pg_sys::Oid {
        self.typoid
    }

    /// The value as the function received it, of type `type_oid`.
    pub fn datum(&self) -> pg_sys::Datum {
        self.datum
    }

    /// The value with the type PostgreSQL resolved for it, as a query parameter.
    pub fn param(&self) -> DatumWithOid<'static> {
        // SAFETY: the datum was handed to the running function with exactly this type.
        unsafe { DatumWithOid::new(*self, self.typoid) }
    }
}

impl FromDatum for ClientKey {
    const GET_TYPOID: bool = true;

    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        typoid: pg_sys::Oid,
    ) -> Option<Self> {
        (!is_null).then_some(ClientKey { datum, typoid })
    }
}

impl IntoDatum for ClientKey {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        Some(self.datum)
    }
    fn type_oid() -> pg_sys::Oid {
        pg_sys::ANYCOMPATIBLEOID
    }
}

// SAFETY: unboxes through FromDatum, which takes the datum with the type PostgreSQL passed.
unsafe impl<'fcx> ArgAbi<'fcx> for ClientKey {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        // SAFETY: the caller guarantees a non-null argument of a type PostgreSQL reported.
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("argument {index} must not be null"))
    }
}

// SAFETY: the SQL type named here is the one the datum conversions above read and write.
unsafe impl SqlTranslatable for ClientKey {
    const TYPE_IDENT: &'static str = "pg_segment::client_key::ClientKey";
    const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> =
        Ok(SqlMappingRef::literal("anycompatible"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("anycompatible")));
}
