//! A client's stored assignment, for `segment.score` and `segment.segment_of`: the SQL read,
//! and the per-backend knowledge of which scheme a name names that lets the API try the
//! direct read (`direct::read_assignment`) first.

use super::clients::{client_exists, client_text};
use super::compiled;
use super::configuration;
use super::keys::exact_client;
use super::plans::{kept_plan, NO_TRANSITION_TABLES};
use super::query::{self, for_entity};
use super::spi::ok;
use crate::cache::BackendCache;
use crate::client_key::ClientKey;
use crate::entity::Scheme;
use crate::error::{Result, SegmentError};
use pgrx::datum::AnyNumeric;
use pgrx::pg_sys;
use pgrx::spi::{OwnedPreparedStatement, Spi};
use pgrx::PgOid;
use std::rc::Rc;

/// Scheme names a backend remembers.
const MAX_SCHEME_NAMES: usize = 1024;

#[derive(Clone)]
struct CachedScheme {
    scheme: Rc<Scheme>,
    /// `compiled::generation()` when an SQL look-up last found this name naming this scheme
    confirmed: Option<u64>,
    /// kept plan of the assignment look-up
    lookup: Option<Rc<OwnedPreparedStatement>>,
}

thread_local! {
    /// Schemes by name with their kept look-up plans. The SQL look-up re-checks the name in the
    /// same query; the direct read trusts an entry only while no invalidation of
    /// segment.schemes has arrived since the SQL look-up last confirmed it. An entry goes with
    /// a relcache invalidation of any relation of its entity (`forget_relation`), or when the
    /// look-up finds the name names another scheme or none. Bound: `MAX_SCHEME_NAMES`.
    static SCHEMES: BackendCache<String, CachedScheme> = BackendCache::new(MAX_SCHEME_NAMES);
}

/// Drops the cached schemes over `relid` (InvalidOid: all). Runs inside invalidation
/// processing: drops state, never queries.
pub fn forget_relation(relid: pg_sys::Oid) {
    SCHEMES.with(|m| {
        m.retain(|_, s| {
            relid != pg_sys::InvalidOid && !s.scheme.entity.relation_oids().contains(&relid)
        })
    });
}

/// The scheme `name` names if an SQL look-up confirmed it and no configuration change has
/// arrived since; never queries (it processes pending invalidations first).
pub fn confirmed_scheme(name: &str) -> Option<Rc<Scheme>> {
    compiled::watch_schemes_table();
    compiled::accept_invalidations();
    let generation = compiled::generation();
    SCHEMES
        .with(|m| m.get(name))
        .filter(|entry| entry.confirmed == Some(generation))
        .map(|entry| entry.scheme)
}

/// A client's stored assignment in the named scheme, read with SQL: its score (read only
/// `with_score`) and segment; None while the client is uncategorized. Raises for an unknown
/// scheme or client.
pub fn stored_assignment(
    name: &str,
    client: ClientKey,
    with_score: bool,
) -> Result<Option<(Option<AnyNumeric>, Option<String>)>> {
    compiled::watch_schemes_table();
    compiled::accept_invalidations();
    let generation = compiled::generation();
    for attempt in 0..2 {
        let (scheme, plan) = assignment_lookup(name)?;
        let e = &scheme.entity;
        let client = exact_client(e, client)?;
        let found = Spi::connect(|c| {
            // The entity's table OIDs are part of the check: a scheme of the same name and id
            // in a re-created extension has new tables, which the direct read must not miss.
            let args = [
                name.into(),
                client.param(),
                e.entity_id.into(),
                e.assignments_oid.into(),
            ];
            ok(c.select(&*plan, Some(1), &args)).next().map(|row| {
                let assigned = ok(row.get::<bool>(4)).unwrap_or(false);
                let score = if with_score && assigned {
                    ok(row.get::<AnyNumeric>(2))
                } else {
                    None
                };
                (
                    ok(row.get::<i32>(1)),
                    assigned,
                    score,
                    ok(row.get::<String>(3)),
                )
            })
        });
        match found {
            Some((Some(scheme_id), assigned, score, segment)) if scheme_id == scheme.scheme_id => {
                // The name named this scheme under this statement's snapshot; an invalidation
                // since `generation` was read leaves the entry unconfirmed.
                SCHEMES.with(|m| m.update(name, |entry| entry.confirmed = Some(generation)));
                return if assigned {
                    Ok(Some((score, segment)))
                } else if client_exists(e, client) {
                    Ok(None)
                } else {
                    Err(SegmentError::ClientNotFound {
                        table: e.client_table.clone(),
                        key: client_text(e, client),
                    })
                };
            }
            // dropped, or re-created under the same name: forget it and look again
            _ if attempt == 0 => SCHEMES.with(|m| m.remove(name)),
            _ => break,
        }
    }
    // The scheme vanished between the look-up and the probe.
    Err(SegmentError::UnknownScheme {
        name: name.to_string(),
        known: Vec::new(),
    })
}

/// The cached scheme of that name and its kept look-up plan (keys of the key's own type),
/// prepared on first use.
fn assignment_lookup(name: &str) -> Result<(Rc<Scheme>, Rc<OwnedPreparedStatement>)> {
    let cached = SCHEMES.with(|m| m.get(name));
    if let Some(CachedScheme {
        scheme,
        lookup: Some(plan),
        ..
    }) = &cached
    {
        return Ok((scheme.clone(), plan.clone()));
    }
    let scheme = match cached {
        Some(entry) => entry.scheme,
        None => Rc::new(configuration::live_scheme(name)?),
    };
    let e = &scheme.entity;
    let sql = for_entity(query::ASSIGNMENT_LOOKUP, e);
    let types = [
        PgOid::from(pg_sys::TEXTOID),
        PgOid::from(e.key_type_oid),
        PgOid::from(pg_sys::INT4OID),
        PgOid::from(pg_sys::OIDOID),
    ];
    let plan = Spi::connect(|c| kept_plan(c, NO_TRANSITION_TABLES, &sql, &types, false));
    let entry = CachedScheme {
        scheme: scheme.clone(),
        confirmed: SCHEMES
            .with(|m| m.get(name))
            .and_then(|entry| entry.confirmed),
        lookup: Some(plan.clone()),
    };
    SCHEMES.with(|m| m.insert(name.to_string(), entry));
    Ok((scheme, plan))
}
