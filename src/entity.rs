//! What pg_segment keeps per client table (an entity) and per scheme, as names and OIDs: the
//! types the store reads from the catalogs and the direct path writes through.

use pgrx::pg_sys;

/// The client table a scheme is bound to and the relations pg_segment keeps for it.
///
/// Relation names are as `regclass` prints them under the pinned search path: schema-qualified
/// and quoted as needed, ready for SQL. The key column is its catalog name, quoted where it is
/// spliced (`store::query`).
#[derive(Debug, Clone)]
pub struct Entity {
    pub entity_id: i32,
    pub client_table: String,
    /// the client table's primary key column as it is named now
    pub key_column: String,
    /// the key's full type, modifiers included (`character(5)`, `numeric(12,2)`, a domain)
    pub key_type: String,
    pub answers: String,
    pub assignments: String,
    pub history: String,
    pub client_table_oid: pg_sys::Oid,
    pub answers_oid: pg_sys::Oid,
    pub assignments_oid: pg_sys::Oid,
    pub history_oid: pg_sys::Oid,
    /// the type OID of client_id (a domain's own OID for a domain)
    pub key_type_oid: pg_sys::Oid,
    /// client_id's type modifier, -1 for none
    pub key_typmod: i32,
    /// the owner of the assignments table, whose rights maintenance runs with
    pub owner: pg_sys::Oid,
    /// the picks of multiple-choice questions, as SQL reads it: the table's name, or for a table
    /// bound before 0.2.0 (until `segment.repair_bound_tables()` ran) a subquery of the same
    /// columns that returns no row
    pub picks: String,
    /// InvalidOid while there is no picks table
    pub picks_oid: pg_sys::Oid,
}

impl Entity {
    /// The relations whose names this entity holds.
    pub fn relation_oids(&self) -> [pg_sys::Oid; 5] {
        [
            self.client_table_oid,
            self.answers_oid,
            self.picks_oid,
            self.assignments_oid,
            self.history_oid,
        ]
    }

    /// Whether `relid` is the picks table (the answers trigger fires on both tables).
    pub fn is_picks(&self, relid: pg_sys::Oid) -> bool {
        self.picks_oid != pg_sys::InvalidOid && relid == self.picks_oid
    }
}

#[derive(Debug, Clone)]
pub struct Scheme {
    pub scheme_id: i32,
    pub name: String,
    pub entity: Entity,
    /// set on a draft: the live scheme it is a draft of (sql/drafts.sql)
    pub draft_of: Option<i32>,
}
