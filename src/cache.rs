//! Per-backend caches: a bounded map that an invalidation can always reach.
//!
//! Everything pg_segment caches lives in one backend and can be read again from the catalogs.
//! Each cache states, where it is declared, what invalidates an entry and how many entries it
//! may hold. `BackendCache` enforces the bound (when full it empties itself: entries are cheap
//! to read again, and a full cache means a workload the bound was not made for) and accepts an
//! invalidation at any moment: the relcache callback can run while the map is borrowed (a
//! query made during a look-up processes pending invalidations), and then the whole map is
//! dropped at its next use instead of the one entry.

use std::borrow::Borrow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::Hash;

pub struct BackendCache<K, V> {
    entries: RefCell<HashMap<K, V>>,
    bound: usize,
    /// an invalidation arrived while `entries` was borrowed
    stale: Cell<bool>,
}

impl<K: Eq + Hash, V: Clone> BackendCache<K, V> {
    pub fn new(bound: usize) -> Self {
        BackendCache {
            entries: RefCell::new(HashMap::new()),
            bound,
            stale: Cell::new(false),
        }
    }

    fn drop_if_stale(&self) {
        if self.stale.replace(false) {
            self.entries.borrow_mut().clear();
        }
    }

    pub fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.drop_if_stale();
        self.entries.borrow().get(key).cloned()
    }

    pub fn insert(&self, key: K, value: V) {
        self.drop_if_stale();
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= self.bound && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, value);
    }

    /// Changes the entry of `key` in place, if there is one.
    pub fn update<Q: Eq + Hash + ?Sized>(&self, key: &Q, change: impl FnOnce(&mut V))
    where
        K: Borrow<Q>,
    {
        self.drop_if_stale();
        if let Some(entry) = self.entries.borrow_mut().get_mut(key) {
            change(entry);
        }
    }

    pub fn remove<Q: Eq + Hash + ?Sized>(&self, key: &Q)
    where
        K: Borrow<Q>,
    {
        self.drop_if_stale();
        self.entries.borrow_mut().remove(key);
    }

    /// Keeps the entries `keep` accepts; for invalidation callbacks, so it never fails.
    pub fn retain(&self, keep: impl FnMut(&K, &mut V) -> bool) {
        match self.entries.try_borrow_mut() {
            Ok(mut entries) => entries.retain(keep),
            Err(_) => self.stale.set(true),
        }
    }
}
