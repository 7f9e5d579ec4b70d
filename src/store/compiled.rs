//! The compiled configuration: every scheme's questions, option points and levels, kept per
//! backend so that one changed answer is scored without a query.
//!
//! What invalidates it: a relcache invalidation of segment.schemes, which every configuration
//! change sends (`forget`), or a cache reset. How it stays correct:
//! - it is compiled under a snapshot taken when compiling, never under the transaction's, so a
//!   REPEATABLE READ transaction never caches a configuration older than the latest commit;
//! - it is kept only if no invalidation arrived while it was being read (`GENERATION`
//!   unchanged), so a change committed after the read's snapshot but processed during the read
//!   cannot leave an old configuration looking current;
//! - a writer holds its answers table's lock while it scores, and a configuration change of a
//!   scheme over that table takes a conflicting lock before it commits and sends its
//!   invalidation before it releases it; so by the time a writer has its lock, every change it
//!   must see has either been read or is an invalidation that `accept_invalidations` processes.
//!
//! Bound: one configuration per backend, the size of the configuration tables.

use super::latest;
use crate::engine::{Bound, CompiledConfig, CompiledQuestion, CompiledScheme, Level};
use crate::error::Result;
use pgrx::pg_sys;
use pgrx::spi::Spi;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

thread_local! {
    static COMPILED: RefCell<Option<Rc<CompiledConfig>>> = const { RefCell::new(None) };
    /// Counts invalidations of segment.schemes (and cache resets) seen by this backend.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// The OID of segment.schemes, whose invalidations signal configuration changes; 0 until
    /// looked up (again after each invalidation, as DROP EXTENSION gives it a new OID).
    static SCHEMES_RELID: Cell<u32> = const { Cell::new(0) };
}

/// Processes invalidation messages other backends have sent, as taking a new lock would.
pub fn accept_invalidations() {
    // SAFETY: callable anywhere inside a transaction; runs the registered callbacks.
    unsafe { pg_sys::AcceptInvalidationMessages() };
}

/// The number of segment.schemes invalidations seen so far; anything cached from a read that
/// began at generation g is current while the generation is still g.
pub fn generation() -> u64 {
    GENERATION.with(Cell::get)
}

/// The OID of segment.schemes from the system cache (no query), remembered so its
/// invalidations are recognised.
pub fn watch_schemes_table() -> pg_sys::Oid {
    let known = SCHEMES_RELID.with(Cell::get);
    if known != 0 {
        return pg_sys::Oid::from(known);
    }
    let relid = crate::security::segment_relation(c"schemes");
    SCHEMES_RELID.with(|r| r.set(relid.to_u32()));
    relid
}

/// Relcache invalidation of `relid` (InvalidOid: every relation). Runs inside invalidation
/// processing: it only drops state and never queries.
pub fn on_relcache_invalidation(relid: pg_sys::Oid) {
    let watched = SCHEMES_RELID.with(Cell::get);
    if relid != pg_sys::InvalidOid && relid.to_u32() != watched {
        return;
    }
    GENERATION.with(|g| g.set(g.get() + 1));
    COMPILED.with(|c| {
        if let Ok(mut cached) = c.try_borrow_mut() {
            *cached = None;
        }
    });
    SCHEMES_RELID.with(|r| r.set(0));
}

/// The compiled configuration if this backend holds a current one; never queries.
pub fn cached() -> Option<Rc<CompiledConfig>> {
    accept_invalidations();
    COMPILED.with(|c| c.borrow().clone())
}

/// The compiled configuration, compiled on first use after every configuration change.
pub fn get() -> Result<Rc<CompiledConfig>> {
    if let Some(config) = cached() {
        return Ok(config);
    }
    watch_schemes_table();
    let started = generation();
    let config = Rc::new(Spi::connect(|_| compile())?);
    accept_invalidations();
    if generation() == started {
        COMPILED.with(|c| *c.borrow_mut() = Some(config.clone()));
    }
    Ok(config)
}

/// Drops this backend's compiled configuration and, at commit, every other backend's: the
/// relcache invalidation of segment.schemes reaches them all, and this backend at its next
/// command.
pub fn forget() {
    COMPILED.with(|c| *c.borrow_mut() = None);
    GENERATION.with(|g| g.set(g.get() + 1));
    let schemes = watch_schemes_table();
    if schemes != pg_sys::InvalidOid {
        // SAFETY: queues an invalidation with the transaction's others.
        unsafe { pg_sys::CacheInvalidateRelcacheByRelid(schemes) };
    }
}

/// Reads the configuration tables under a snapshot taken now (after the statement has locked
/// them). Runs inside an SPI connection.
fn compile() -> Result<CompiledConfig> {
    let sql = super::query::render(super::query::CONFIGURATION_ROWS, &[]);
    let rows = latest::run(&sql, &[], false);
    let mut config = CompiledConfig::default();
    let id = |row: &[Option<String>], i: usize| latest::parse::<i32>(row, i).unwrap_or_default();
    let name = |row: &[Option<String>]| row[4].clone().unwrap_or_default();
    for row in rows.iter().filter(|r| r[0].as_deref() == Some("s")) {
        config.scheme_names.insert(name(row), id(row, 1));
        config.schemes.insert(
            id(row, 1),
            CompiledScheme {
                entity_id: id(row, 2),
                version: id(row, 3),
                name: name(row),
            },
        );
    }
    for row in &rows {
        match row[0].as_deref() {
            Some("q") => {
                let Some(scheme) = config.schemes.get(&id(row, 2)) else {
                    continue; // cannot happen: the foreign key holds it, and the snapshot is one
                };
                let question = CompiledQuestion {
                    scheme_id: id(row, 2),
                    entity_id: scheme.entity_id,
                    version: scheme.version,
                    weight: latest::decimal(row, 5)?.unwrap_or_default(),
                };
                config.questions.insert(id(row, 1), question);
                config
                    .question_codes
                    .insert((id(row, 2), name(row)), id(row, 1));
            }
            Some("o") => {
                let points = latest::decimal(row, 5)?.unwrap_or_default();
                config.options.insert(id(row, 1), (id(row, 2), points));
                config
                    .option_codes
                    .insert((id(row, 2), name(row)), id(row, 1));
            }
            Some("p") => {
                config.parameter_schemes.insert(id(row, 1));
            }
            Some("r") => {
                config.ruled_schemes.insert(id(row, 1));
            }
            Some("v") => {
                config.variant_columns.insert(id(row, 1), name(row));
            }
            Some("l") => {
                let bound = |i: usize| Bound::parse(row[i].as_deref().unwrap_or_default());
                let level = Level {
                    name: name(row),
                    min: bound(5)?,
                    max: bound(6)?,
                };
                config.levels.entry(id(row, 1)).or_default().push(level);
            }
            _ => {}
        }
    }
    // levels in the order level_for expects: by lower bound (then name)
    for levels in config.levels.values_mut() {
        levels.sort_by(|a, b| a.min.cmp(&b.min).then_with(|| a.name.cmp(&b.name)));
    }
    Ok(config)
}
