//! Where the direct path finds each column of the segment tables. It writes rows column by
//! column, so it checks that every column it knows is there with its expected type, and, for
//! the history (which it inserts into), that there is no other column whose default it would
//! not fill in. Anything unexpected sends the write to SQL.

use pgrx::pg_sys::{self, Oid};
use pgrx::PgTupleDesc;

/// The type each column of the segment tables has; `key_type` for client_id.
fn column_type(name: &str, key_type: Oid) -> Oid {
    use pg_sys::{INT4OID, INT8OID, NUMERICOID, TEXTOID, TIMESTAMPTZOID};
    match name {
        "client_id" => key_type,
        "history_id" => INT8OID,
        "score" | "previous_score" | "old_score" | "new_score" | "value" | "parameter_score" => {
            NUMERICOID
        }
        "segment" | "previous_segment" | "old_segment" | "new_segment" | "cause" | "status"
        | "forced" => TEXTOID,
        "missing" => pg_sys::TEXTARRAYOID,
        "assigned_at" | "changed_at" | "answered_at" => TIMESTAMPTZOID,
        _ => INT4OID, // the ids, counts and versions
    }
}

/// Whether a column is called `name`: compares the catalog name's bytes in place (this runs for
/// every column of three tables on every direct write; a `&str` of each name would cost a
/// length scan and a UTF-8 check apiece).
pub fn is_named(att: &pg_sys::FormData_pg_attribute, name: &str) -> bool {
    let bytes = name.as_bytes();
    let stored = &att.attname.data;
    bytes.len() < stored.len()
        && stored[bytes.len()] == 0
        && stored[..bytes.len()]
            .iter()
            .zip(bytes)
            .all(|(&c, &b)| c as u8 == b)
}

/// Zero-based positions of the named columns, each of its expected type; None when one is
/// missing or of another type, or, with `exhaustive`, when the table has further columns.
fn positions<const N: usize>(
    desc: &PgTupleDesc<'_>,
    names: [&str; N],
    key_type: Oid,
    exhaustive: bool,
) -> Option<[usize; N]> {
    let mut found = [usize::MAX; N];
    for (i, att) in desc.iter().enumerate() {
        if att.is_dropped() {
            continue;
        }
        match names.iter().position(|name| is_named(att, name)) {
            Some(n) if att.atttypid == column_type(names[n], key_type) => found[n] = i,
            Some(_) => return None,
            None if exhaustive => return None,
            None => {}
        }
    }
    found.iter().all(|&i| i != usize::MAX).then_some(found)
}

/// The client_id column, whose type is the client key's, whatever it is.
pub fn client_column(desc: &PgTupleDesc<'_>) -> Option<pg_sys::FormData_pg_attribute> {
    desc.iter()
        .find(|att| !att.is_dropped() && is_named(att, "client_id"))
        .copied()
}

/// The column at a position found by one of the `find` functions below.
pub fn attribute(desc: &PgTupleDesc<'_>, position: usize) -> pg_sys::FormData_pg_attribute {
    *desc
        .get(position)
        .expect("column position within its descriptor")
}

/// The columns of an answers table the direct path reads.
pub struct AnswerColumns {
    pub client_id: usize,
    pub question_id: usize,
    pub option_id: usize,
}

impl AnswerColumns {
    pub fn find(desc: &PgTupleDesc<'_>, key_type: Oid) -> Option<Self> {
        let [client_id, question_id, option_id] = positions(
            desc,
            ["client_id", "question_id", "option_id"],
            key_type,
            false,
        )?;
        Some(AnswerColumns {
            client_id,
            question_id,
            option_id,
        })
    }
}

/// The columns of an answers table that `segment.answer()`'s direct write fills in: all of
/// them (a further column's default would not be). `value` (a number question's answer) stays
/// NULL: the direct write answers choice questions only.
pub struct AnsweredColumns {
    pub client_id: usize,
    pub question_id: usize,
    pub option_id: usize,
    pub answered_at: usize,
}

impl AnsweredColumns {
    pub fn find(desc: &PgTupleDesc<'_>, key_type: Oid) -> Option<Self> {
        // `value` is looked for only so that the table is known to have no other column
        let [client_id, question_id, option_id, answered_at, _value] = positions(
            desc,
            [
                "client_id",
                "question_id",
                "option_id",
                "answered_at",
                "value",
            ],
            key_type,
            true,
        )?;
        Some(AnsweredColumns {
            client_id,
            question_id,
            option_id,
            answered_at,
        })
    }

    /// The columns an insert fills in (`value` stays NULL).
    pub fn all(&self) -> [usize; 4] {
        [
            self.client_id,
            self.question_id,
            self.option_id,
            self.answered_at,
        ]
    }
}

/// The columns of an assignments table.
pub struct AssignmentColumns {
    pub scheme_id: usize,
    pub client_id: usize,
    pub score: usize,
    pub answered: usize,
    pub segment: usize,
    pub version: usize,
    pub assigned_at: usize,
    pub previous_score: usize,
    pub previous_segment: usize,
    /// the weighted points of the client's parameters (NULL: none has a value)
    pub parameter_score: usize,
    /// required inputs lacking; the delta writes take only rows without any
    pub missing: usize,
    /// the input that forced the segment (ruled schemes)
    pub forced: usize,
    /// generated by PostgreSQL from segment and missing; the direct path writes it itself
    pub status: usize,
}

impl AssignmentColumns {
    pub fn find(desc: &PgTupleDesc<'_>, key_type: Oid) -> Option<Self> {
        let [scheme_id, client_id, score, answered, segment, version, assigned_at, previous_score, previous_segment, parameter_score, missing, forced, status] =
            positions(
                desc,
                [
                    "scheme_id",
                    "client_id",
                    "score",
                    "answered",
                    "segment",
                    "version",
                    "assigned_at",
                    "previous_score",
                    "previous_segment",
                    "parameter_score",
                    "missing",
                    "forced",
                    "status",
                ],
                key_type,
                false,
            )?;
        Some(AssignmentColumns {
            scheme_id,
            client_id,
            score,
            answered,
            segment,
            version,
            assigned_at,
            previous_score,
            previous_segment,
            parameter_score,
            missing,
            forced,
            status,
        })
    }

    /// The columns a client's first answer inserts.
    pub fn inserted(&self) -> [usize; 8] {
        [
            self.scheme_id,
            self.client_id,
            self.score,
            self.answered,
            self.segment,
            self.version,
            self.assigned_at,
            self.status,
        ]
    }

    /// The columns an answer's update writes.
    pub fn updated(&self) -> [usize; 8] {
        [
            self.score,
            self.answered,
            self.segment,
            self.version,
            self.assigned_at,
            self.previous_score,
            self.previous_segment,
            self.status,
        ]
    }

    /// The columns a ruled scheme's recomputed first assignment inserts, as SQL's
    /// (write_recomputed.sql) does.
    pub fn recomputed_inserted(&self) -> [usize; 10] {
        [
            self.scheme_id,
            self.client_id,
            self.score,
            self.answered,
            self.segment,
            self.version,
            self.assigned_at,
            self.missing,
            self.forced,
            self.status,
        ]
    }

    /// The columns a ruled scheme's recomputed assignment updates, as SQL's
    /// (write_recomputed.sql) does.
    pub fn recomputed_updated(&self) -> [usize; 11] {
        [
            self.score,
            self.answered,
            self.segment,
            self.version,
            self.assigned_at,
            self.previous_score,
            self.previous_segment,
            self.parameter_score,
            self.missing,
            self.forced,
            self.status,
        ]
    }

    /// The columns an update by freshly evaluated parameters writes, as SQL's
    /// (apply_parameters.sql) sets them.
    pub fn parameters_updated(&self) -> [usize; 9] {
        [
            self.score,
            self.parameter_score,
            self.missing,
            self.segment,
            self.version,
            self.assigned_at,
            self.previous_score,
            self.previous_segment,
            self.status,
        ]
    }
}

/// The columns of a history table, which must be exactly these.
pub struct HistoryColumns {
    pub history_id: usize,
    pub scheme_id: usize,
    pub client_id: usize,
    pub changed_at: usize,
    pub old_score: usize,
    pub new_score: usize,
    pub old_segment: usize,
    pub new_segment: usize,
    pub cause: usize,
    pub version: usize,
}

impl HistoryColumns {
    pub fn find(desc: &PgTupleDesc<'_>, key_type: Oid) -> Option<Self> {
        let [history_id, scheme_id, client_id, changed_at, old_score, new_score, old_segment, new_segment, cause, version] =
            positions(
                desc,
                [
                    "history_id",
                    "scheme_id",
                    "client_id",
                    "changed_at",
                    "old_score",
                    "new_score",
                    "old_segment",
                    "new_segment",
                    "cause",
                    "version",
                ],
                key_type,
                true,
            )?;
        Some(HistoryColumns {
            history_id,
            scheme_id,
            client_id,
            changed_at,
            old_score,
            new_score,
            old_segment,
            new_segment,
            cause,
            version,
        })
    }

    /// The columns an insert names, as SQL's INSERT does (history_id is an identity column).
    pub fn inserted(&self) -> [usize; 9] {
        [
            self.scheme_id,
            self.client_id,
            self.changed_at,
            self.old_score,
            self.new_score,
            self.old_segment,
            self.new_segment,
            self.cause,
            self.version,
        ]
    }
}
