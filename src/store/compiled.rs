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
use crate::engine::model::parse_decimal;
use crate::engine::{
    Bound, CompiledConfig, CompiledQuestion, CompiledScheme, ForcedRule, GroupRule, Level,
    PointsRange, QuestionKind, RuledQuestion, RuledScheme, RuledVariant,
};
use crate::error::Result;
use pgrx::pg_sys;
use pgrx::spi::Spi;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
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
        sort_levels(levels);
    }
    compile_ruled(&mut config, &rows);
    Ok(config)
}

fn sort_levels(levels: &mut [Level]) {
    levels.sort_by(|a, b| a.min.cmp(&b.min).then_with(|| a.name.cmp(&b.name)));
}

/// The ruled schemes without parameters, compiled whole from their upper-case rows (see
/// configuration_rows.sql), into `config.ruled`. A scheme any of whose numbers the engine
/// cannot hold exactly is left out: SQL recomputes its clients.
fn compile_ruled(config: &mut CompiledConfig, rows: &latest::TextRows) {
    let int = |row: &[Option<String>], i: usize| latest::parse::<i32>(row, i).unwrap_or_default();
    let text = |row: &[Option<String>], i: usize| row[i].clone();
    let decimal = |row: &[Option<String>], i: usize| {
        parse_decimal(row[i].as_deref().unwrap_or_default()).ok()
    };
    let bound =
        |row: &[Option<String>], i: usize| Bound::parse(row[i].as_deref().unwrap_or_default()).ok();
    let mut schemes: HashMap<i32, RuledScheme> = HashMap::new();
    // rules and variants by id, to be put in id order (the order SQL gives them)
    let mut groups: HashMap<i32, Vec<(i32, GroupRule)>> = HashMap::new();
    let mut forced: HashMap<i32, Vec<(i32, ForcedRule)>> = HashMap::new();
    let mut variants: HashMap<i32, Vec<(i32, RuledVariant)>> = HashMap::new();
    let mut unfit: HashSet<i32> = HashSet::new();
    for row in rows {
        let (id, scheme_id, code) = (int(row, 1), int(row, 2), text(row, 4).unwrap_or_default());
        match row[0].as_deref() {
            Some("Q") => {
                let kind = text(row, 6).as_deref().and_then(QuestionKind::parse);
                let (Some(weight), Some(kind)) = (decimal(row, 5), kind) else {
                    unfit.insert(scheme_id);
                    continue;
                };
                config.ruled_questions.insert(id, scheme_id);
                schemes
                    .entry(scheme_id)
                    .or_default()
                    .questions
                    .push(RuledQuestion {
                        question_id: id,
                        code,
                        position: int(row, 7),
                        weight,
                        kind,
                        required: int(row, 3) == 1,
                        group: text(row, 8),
                        variants: Vec::new(),
                        ranges: Vec::new(),
                    });
            }
            Some("G") => {
                let open_or_decimal = |i: usize| match &row[i] {
                    None => Some(None),
                    Some(t) => parse_decimal(t).ok().map(Some),
                };
                let (Some(min), Some(max)) = (open_or_decimal(5), open_or_decimal(6)) else {
                    unfit.insert(scheme_id);
                    continue;
                };
                let rule = GroupRule { code, min, max };
                groups.entry(scheme_id).or_default().push((id, rule));
            }
            Some("F") => {
                let rule = ForcedRule {
                    item: code,
                    value: text(row, 5).unwrap_or_default(),
                    level: text(row, 6).unwrap_or_default(),
                };
                forced.entry(scheme_id).or_default().push((id, rule));
            }
            Some("V") => {
                let value = text(row, 5).unwrap_or_default();
                let list = variants.entry(scheme_id).or_default();
                match list.iter_mut().find(|(v, _)| *v == id) {
                    Some((_, variant)) => variant.values.push(value),
                    None => list.push((
                        id,
                        RuledVariant {
                            code,
                            values: vec![value],
                            levels: Vec::new(),
                        },
                    )),
                }
            }
            _ => {}
        }
    }
    // what names the questions and variants read above
    for row in rows {
        let (id, scheme_id) = (int(row, 1), int(row, 2));
        match row[0].as_deref() {
            Some("o") => {
                let question_id = int(row, 2);
                let Some(&scheme_id) = config.ruled_questions.get(&question_id) else {
                    continue;
                };
                match decimal(row, 5) {
                    Some(points) => {
                        let code = text(row, 4).unwrap_or_default();
                        let scheme = schemes.entry(scheme_id).or_default();
                        scheme.options.insert(id, (question_id, code, points));
                    }
                    None => {
                        unfit.insert(scheme_id);
                    }
                }
            }
            Some("R") => match (bound(row, 5), bound(row, 6), decimal(row, 8)) {
                (Some(min), Some(max), Some(points)) => {
                    if let Some(q) = ruled_question(&mut schemes, &config.ruled_questions, id) {
                        q.ranges.push(PointsRange { min, max, points });
                    }
                }
                _ => {
                    unfit.insert(scheme_id);
                }
            },
            Some("A") => {
                if let Some(q) = ruled_question(&mut schemes, &config.ruled_questions, id) {
                    q.variants.push(text(row, 4).unwrap_or_default());
                }
            }
            Some("L") => {
                let (Some(min), Some(max)) = (bound(row, 5), bound(row, 6)) else {
                    unfit.insert(scheme_id);
                    continue;
                };
                let level = Level {
                    name: text(row, 4).unwrap_or_default(),
                    min,
                    max,
                };
                let variant_code = text(row, 8);
                let variant = variants.get_mut(&scheme_id).and_then(|list| {
                    list.iter_mut()
                        .find(|(_, v)| Some(&v.code) == variant_code.as_ref())
                });
                if let Some((_, variant)) = variant {
                    variant.levels.push(level);
                }
            }
            _ => {}
        }
    }
    for (scheme_id, mut scheme) in schemes {
        if unfit.contains(&scheme_id) {
            config.ruled_questions.retain(|_, s| *s != scheme_id);
            continue;
        }
        scheme
            .questions
            .sort_by(|a, b| (a.position, &a.code).cmp(&(b.position, &b.code)));
        scheme.rules.groups = in_id_order(groups.remove(&scheme_id));
        scheme.rules.forced = in_id_order(forced.remove(&scheme_id));
        scheme.levels = config.levels.get(&scheme_id).cloned().unwrap_or_default();
        // variants select nothing until the scheme has a variant column
        if config.variant_columns.contains_key(&scheme_id) {
            let mut list = in_id_order(variants.remove(&scheme_id));
            for variant in &mut list {
                sort_levels(&mut variant.levels);
            }
            scheme.variants = Some(list);
        }
        config.ruled.insert(scheme_id, scheme);
    }
}

/// A question of the ruled schemes being compiled, by id.
fn ruled_question<'a>(
    schemes: &'a mut HashMap<i32, RuledScheme>,
    ruled_questions: &HashMap<i32, i32>,
    question_id: i32,
) -> Option<&'a mut RuledQuestion> {
    let scheme = schemes.get_mut(ruled_questions.get(&question_id)?)?;
    scheme
        .questions
        .iter_mut()
        .find(|q| q.question_id == question_id)
}

/// The items of a list of (id, item) in id order.
fn in_id_order<T>(list: Option<Vec<(i32, T)>>) -> Vec<T> {
    let mut list = list.unwrap_or_default();
    list.sort_by_key(|(id, _)| *id);
    list.into_iter().map(|(_, item)| item).collect()
}
