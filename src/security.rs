//! Whose rights pg_segment's maintenance runs with.
//!
//! Application roles write answers; they must never be able to write assignments or history.
//! So the work the triggers do on a client's behalf (scoring, the ledger, re-segmentation,
//! cleaning up after a deleted client) runs as the owner of the entity's relations, the way
//! PostgreSQL's own foreign-key triggers switch to a table's owner, and the look-ups that find
//! the entity run as the owner of schema segment. The switch is local (`SET ROLE` inside is
//! refused) and exempts the owner from forced row security, like the foreign-key triggers'.

use pgrx::pg_sys;

/// Runs as another identity (`role`, or the same user without the exemption `role` grants)
/// until dropped, then as before (also when an error unwinds through it).
pub struct ActingAs {
    user: pg_sys::Oid,
    context: std::ffi::c_int,
}

impl ActingAs {
    pub fn role(role: pg_sys::Oid) -> ActingAs {
        ActingAs::switch(|_, context| {
            (
                role,
                context
                    | pg_sys::SECURITY_LOCAL_USERID_CHANGE as std::ffi::c_int
                    | pg_sys::SECURITY_NOFORCE_RLS as std::ffi::c_int,
            )
        })
    }

    /// The same user, without the exemption from FORCE ROW LEVEL SECURITY that `role` grants.
    pub fn without_force_exemption() -> ActingAs {
        ActingAs::switch(|user, context| {
            (
                user,
                context & !(pg_sys::SECURITY_NOFORCE_RLS as std::ffi::c_int),
            )
        })
    }

    /// Switches to the identity `to` makes of the current user and security context.
    fn switch(
        to: impl FnOnce(pg_sys::Oid, std::ffi::c_int) -> (pg_sys::Oid, std::ffi::c_int),
    ) -> ActingAs {
        let mut user = pg_sys::InvalidOid;
        let mut context: std::ffi::c_int = 0;
        // SAFETY: the calls fmgr and the foreign-key triggers use to switch user; the previous
        // identity is restored in Drop, and a transaction abort restores it too.
        unsafe {
            pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
            let (new_user, new_context) = to(user, context);
            pg_sys::SetUserIdAndSecContext(new_user, new_context);
        }
        ActingAs { user, context }
    }
}

impl Drop for ActingAs {
    fn drop(&mut self) {
        // SAFETY: restores the identity saved in `role`.
        unsafe { pg_sys::SetUserIdAndSecContext(self.user, self.context) };
    }
}

/// Runs `f` as `role`.
pub fn as_role<R>(role: pg_sys::Oid, f: impl FnOnce() -> R) -> R {
    let _acting = ActingAs::role(role);
    f()
}

/// Runs `f`, which evaluates code another role wrote (a parameter's expression and the
/// functions it calls), as that role `definer`, inside whoever's session it is: as a restricted
/// operation, as REFRESH MATERIALIZED VIEW runs a view owner's code — no `SET ROLE`, no
/// temporary objects, row security applying as it does to the definer — under fixed settings
/// for how values print (`EVALUATION_SETTINGS`), and with every setting it changes undone
/// afterwards, so nothing of it outlives the evaluation.
pub fn as_definer<R>(definer: pg_sys::Oid, f: impl FnOnce() -> R) -> R {
    // The calls REFRESH MATERIALIZED VIEW uses to run a view owner's code; both undone on
    // return and on unwinding, the settings first.
    let _definer = ActingAs::switch(|_, context| {
        (
            definer,
            context
                | pg_sys::SECURITY_LOCAL_USERID_CHANGE as std::ffi::c_int
                | pg_sys::SECURITY_RESTRICTED_OPERATION as std::ffi::c_int,
        )
    });
    with_value_settings(f)
}

/// A nesting level of settings: what is set with `set_for_evaluation` while it is open is
/// undone when it is dropped (also when an error unwinds through it; a transaction abort
/// undoes it as well).
struct SettingsLevel(std::ffi::c_int);

impl SettingsLevel {
    fn open() -> SettingsLevel {
        // SAFETY: opens a nesting level of settings, closed in Drop.
        SettingsLevel(unsafe { pg_sys::NewGUCNestLevel() })
    }
}

impl Drop for SettingsLevel {
    fn drop(&mut self) {
        // SAFETY: undoes the settings made since `NewGUCNestLevel`.
        unsafe { pg_sys::AtEOXact_GUC(false, self.0) };
    }
}

/// Sets a planner or print setting for the rest of the innermost `SettingsLevel` (an
/// `as_definer` evaluation's, a `with_bulk_settings` statement's), which undoes it.
pub fn set_for_evaluation(name: &std::ffi::CStr, value: &std::ffi::CStr) {
    // SAFETY: a setting changed at the nesting level a `SettingsLevel` opened, which undoes it.
    unsafe {
        pg_sys::set_config_option(
            name.as_ptr(),
            value.as_ptr(),
            pg_sys::GucContext::PGC_USERSET,
            pg_sys::GucSource::PGC_S_SESSION,
            pg_sys::GucAction::GUC_ACTION_SAVE,
            true,
            pgrx::PgLogLevel::ERROR as std::ffi::c_int,
            false,
        );
    }
}

/// Runs `f` under the settings values print under (`EVALUATION_SETTINGS`: ISO dates, UTC, …),
/// undone afterwards: values are compared and matched in text form (a parameter's value, a
/// variant column's), so how a date, an interval, a timestamp, a float or a bytea prints must
/// be the same for every session.
pub fn with_value_settings<R>(f: impl FnOnce() -> R) -> R {
    let _settings = SettingsLevel::open();
    for (name, value) in EVALUATION_SETTINGS {
        set_for_evaluation(name, value);
    }
    f()
}

/// Runs `f`, a statement over many clients (a re-segmentation, a bulk statement's scoring),
/// under `set_bulk_settings`, undone afterwards (also when an error unwinds through it).
pub fn with_bulk_settings<R>(f: impl FnOnce() -> R) -> R {
    let _settings = SettingsLevel::open();
    set_bulk_settings();
    f()
}

/// `set_bulk_settings`, and nested loops off: for a statement that reads many clients and
/// must join them by hash whatever the statistics say. Right after a bulk write, an autoanalyze
/// that ran while its rows were not committed records an empty table over every page, and a
/// nested loop planned on that reads the whole table again for every client.
pub fn set_hash_join_settings() {
    set_bulk_settings();
    set_for_evaluation(c"enable_nestloop", c"off");
}

/// Runs `f` under `set_hash_join_settings`, undone afterwards (also when an error unwinds
/// through it).
pub fn with_hash_joins<R>(f: impl FnOnce() -> R) -> R {
    let _settings = SettingsLevel::open();
    set_hash_join_settings();
    f()
}

/// The least `work_mem`, in kB, a statement over many clients runs with: a million clients'
/// assignments hash in one batch, and the history rows of a weight change over 700,000 of
/// them sort in memory (with the default 4 MB both spilled to disk). A session's higher
/// setting is kept. The memory a statement can take stays bounded, a few times this at most.
const BULK_WORK_MEM_KB: std::ffi::c_int = 64 * 1024;

/// For the rest of the current settings nesting level (`with_bulk_settings`, `as_definer`):
/// no JIT compilation, and at least `BULK_WORK_MEM_KB` of `work_mem`. The statements that
/// write many clients are costed high enough to pass every JIT threshold, and compiling them
/// with inlining and optimization took close to a second of an 8-second weight change over a
/// million clients while saving less than that: their time goes to writing rows.
pub fn set_bulk_settings() {
    set_for_evaluation(c"jit", c"off");
    // SAFETY: reads the setting's global variable.
    if unsafe { pg_sys::work_mem } < BULK_WORK_MEM_KB {
        let value =
            std::ffi::CString::new(format!("{BULK_WORK_MEM_KB}kB")).expect("no NUL in a number");
        set_for_evaluation(c"work_mem", &value);
    }
}

/// The settings a parameter is evaluated under, whatever the session's (see `as_definer`).
const EVALUATION_SETTINGS: [(&std::ffi::CStr, &std::ffi::CStr); 5] = [
    (c"DateStyle", c"ISO, YMD"),
    (c"IntervalStyle", c"postgres"),
    (c"TimeZone", c"UTC"),
    (c"extra_float_digits", c"1"),
    (c"bytea_output", c"hex"),
];

/// Whether `role` still exists (a parameter's definer may have been dropped since).
pub fn role_exists(role: pg_sys::Oid) -> bool {
    // SAFETY: a system cache existence probe by OID.
    unsafe {
        pg_sys::SearchSysCacheExists(
            pg_sys::SysCacheIdentifier::AUTHOID as std::ffi::c_int,
            pg_sys::Datum::from(role),
            pg_sys::Datum::from(0),
            pg_sys::Datum::from(0),
            pg_sys::Datum::from(0),
        )
    }
}

/// Whether row security filters what the current user reads of the relation in its own
/// statements. pg_segment's exemption from FORCE ROW LEVEL SECURITY, which it takes while it
/// writes its tables as their owner (`ActingAs`), does not count: a parameter's code is not
/// pg_segment's, and the definer is refused under FORCE as it is when defining the parameter.
pub fn row_security_applies(relid: pg_sys::Oid) -> bool {
    let _not_exempt = ActingAs::without_force_exemption();
    // SAFETY: a catalog look-up for an existing relation; `noError` only concerns the
    // row_security setting, which is reported, not raised.
    unsafe {
        pg_sys::check_enable_rls(relid, pg_sys::InvalidOid, true)
            == pg_sys::CheckEnableRlsResult::RLS_ENABLED as std::ffi::c_int
    }
}

/// Whether the current user has the privileges of `role` (`pg_has_role(role, 'USAGE')`).
pub fn may_act_as(role: pg_sys::Oid) -> bool {
    // SAFETY: a catalog look-up; an unknown role is simply not one the user has.
    unsafe { pg_sys::has_privs_of_role(pg_sys::GetUserId(), role) }
}

/// Whether the current user holds every privilege in `mode` (ACL_* bits) on the relation: the
/// SQL statements a fast path stands in for need all of them, not any one.
pub fn has_privilege(relid: pg_sys::Oid, mode: u32) -> bool {
    let mode = mode as pg_sys::AclMode;
    // SAFETY: a catalog look-up; a missing relation raises an ERROR.
    unsafe {
        pg_sys::pg_class_aclmask(
            relid,
            pg_sys::GetUserId(),
            mode,
            pg_sys::AclMaskHow::ACLMASK_ALL,
        ) == mode
    }
}

/// Whether the current user may read the configuration tables (schemes, entities, questions,
/// options), as the SQL look-ups of codes require.
pub fn may_read_configuration() -> bool {
    [c"schemes", c"entities", c"questions", c"options"]
        .iter()
        .all(|table| {
            let relid = segment_relation(table);
            relid != pg_sys::InvalidOid && has_privilege(relid, pg_sys::ACL_SELECT)
        })
}

/// A table of schema segment by name, from the system cache (no query); InvalidOid when absent.
pub fn segment_relation(name: &std::ffi::CStr) -> pg_sys::Oid {
    // SAFETY: system cache look-ups by name; both return InvalidOid when absent.
    unsafe {
        let namespace = pg_sys::get_namespace_oid(c"segment".as_ptr(), true);
        if namespace == pg_sys::InvalidOid {
            return pg_sys::InvalidOid;
        }
        pg_sys::get_relname_relid(name.as_ptr(), namespace)
    }
}

/// The owner of schema segment (the role that created the extension).
pub fn extension_owner() -> pg_sys::Oid {
    // SAFETY: a system cache look-up by name; the schema exists while the extension does.
    unsafe {
        let namespace = pg_sys::get_namespace_oid(c"segment".as_ptr(), false);
        let tuple = pg_sys::SearchSysCache1(
            pg_sys::SysCacheIdentifier::NAMESPACEOID as std::ffi::c_int,
            pg_sys::Datum::from(namespace),
        );
        if tuple.is_null() {
            panic!("pg_segment internal error: schema segment has no catalog row");
        }
        let form = pg_sys::GETSTRUCT(tuple) as *const pg_sys::FormData_pg_namespace;
        let owner = (*form).nspowner;
        pg_sys::ReleaseSysCache(tuple);
        owner
    }
}

/// Which of pg_segment's own DDL is running on its per-table relations (see `own_ddl_as`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OwnDdl {
    None,
    /// creating a client table's relations (`segment.create_scheme`): no one else's code runs
    Bind,
    /// rewriting them for a new key type: the key type's checks, the owner's code, run meanwhile
    Retype,
}

impl OwnDdl {
    /// The name the DDL event trigger sees (`segment._pg_segment_ddl()`).
    pub fn name(self) -> &'static str {
        match self {
            OwnDdl::None => "",
            OwnDdl::Bind => "bind",
            OwnDdl::Retype => "retype",
        }
    }
}

thread_local! {
    /// Set while pg_segment itself runs DDL on its per-table relations; the event trigger that
    /// keeps other non-superusers' DDL off those relations reads it through
    /// `segment._pg_segment_ddl()`, which SQL cannot set.
    static OWN_DDL: std::cell::Cell<OwnDdl> = const { std::cell::Cell::new(OwnDdl::None) };
}

/// Runs `f`, DDL of pg_segment's own on its per-table relations, as `role`.
pub fn own_ddl_as<R>(role: pg_sys::Oid, kind: OwnDdl, f: impl FnOnce() -> R) -> R {
    struct Reset(OwnDdl);
    impl Drop for Reset {
        fn drop(&mut self) {
            OWN_DDL.with(|d| d.set(self.0));
        }
    }
    let _reset = Reset(OWN_DDL.with(|d| d.replace(kind)));
    as_role(role, f)
}

/// Which of pg_segment's own DDL is running (see `own_ddl_as`).
pub fn own_ddl_running() -> OwnDdl {
    OWN_DDL.with(|d| d.get())
}
