#!/usr/bin/env python3
"""Processes every segment change of a pg_segment scheme exactly once, across restarts.

The history table of the scheme's client table is the outbox: every change of a client's score
or segment is a row there, written in the same transaction as the change. segment.notify()
makes PostgreSQL NOTIFY a channel when such a transaction commits; a notification only says
"look again", the rows say what happened. So this consumer

1. on start, and whenever a notification arrives (or, while it waits for a gap, every
   --poll seconds), catches up: reads the history rows after its offset in history_id order,
   and for each row that changed the scheme's segment does its work;
2. does that work and moves its offset in one transaction: the work here is a row in
   outbox_processed (a real consumer would update its own tables, or queue an e-mail keyed by
   history_id so that sending stays idempotent), so a crash loses nothing and repeats nothing.

history_id values are drawn when rows are written, not when their transactions commit: a row
with a lower id can become visible after a higher one (a concurrent transaction committing
later). The offset therefore only moves over contiguous ids. At a gap (an id not visible yet)
the consumer notes its snapshot's xmax and waits until every transaction that was running then
has ended (a later snapshot's xmin has passed it): an id still missing under that snapshot
belonged to a transaction that rolled back, and is skipped for good. Each look reads the rows
and the horizon under one snapshot (REPEATABLE READ), and moving the offset clears the noted
gap. (This relies on a writer of history rows holding a transaction id before it draws a
history_id, as every pg_segment write does: it writes answers, assignments or configuration
first. Run one process per consumer name.)

Usage: outbox_consumer.py --dsn DSN --scheme NAME [--channel pg_segment] [--consumer NAME]
                          [--exit-when-idle SECONDS] [--crash-after N]
"""

import argparse
import sys

import psycopg
from psycopg import sql

SETUP = """
CREATE SCHEMA IF NOT EXISTS outbox;
CREATE TABLE IF NOT EXISTS outbox.offsets (
    consumer text PRIMARY KEY,
    last_history_id bigint NOT NULL,
    gap_seen_xmax bigint          -- a gap after last_history_id waits for this horizon
);
CREATE TABLE IF NOT EXISTS outbox.processed (
    consumer text NOT NULL,
    history_id bigint NOT NULL,
    client text NOT NULL,
    old_segment text,
    new_segment text,
    PRIMARY KEY (consumer, history_id)
);
"""


class Crash(Exception):
    """Raised by --crash-after, to show a consumer dying between two batches."""


def scheme_tables(conn, scheme):
    row = conn.execute(
        "SELECT s.scheme_id, e.history_table::text FROM segment.schemes s "
        "JOIN segment.entities e USING (entity_id) WHERE s.name = %s", (scheme,)).fetchone()
    if row is None:
        sys.exit(f"scheme {scheme!r} does not exist")
    return row


def catch_up(conn, consumer, scheme_id, history, stats, crash_after):
    """Processes what is committed after the offset, counting committed changes in
    stats["processed"]; returns whether a gap is pending. With `crash_after`, dies before the
    change that would make that many."""
    while True:
        done = 0
        # one snapshot for the rows and the horizon: REPEATABLE READ
        with conn.transaction():
            offset, gap_xmax = conn.execute(
                "SELECT last_history_id, gap_seen_xmax FROM outbox.offsets "
                "WHERE consumer = %s FOR UPDATE", (consumer,)).fetchone()
            xmin, xmax = conn.execute(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
                "pg_snapshot_xmax(pg_current_snapshot())::text::bigint").fetchone()
            rows = conn.execute(
                sql.SQL("SELECT history_id, scheme_id, client_id::text, old_segment, new_segment "
                        "FROM {} WHERE history_id > %s ORDER BY history_id LIMIT 500")
                .format(sql.SQL(history)), (offset,)).fetchall()
            moved = False
            for history_id, row_scheme, client, old, new in rows:
                if history_id != offset + 1:
                    if gap_xmax is None:
                        gap_xmax = xmax  # wait for everything running now to end
                        break
                    if xmin < gap_xmax:
                        break  # a transaction that may hold the missing ids still runs
                    # else they all ended and the ids are still missing: rolled back, final
                # the offset moves past this row: whatever gap was noted is behind it
                gap_xmax = None
                if row_scheme == scheme_id and old != new:
                    if crash_after is not None and stats["processed"] + done >= crash_after:
                        raise Crash()
                    conn.execute(
                        "INSERT INTO outbox.processed VALUES (%s, %s, %s, %s, %s)",
                        (consumer, history_id, client, old, new))
                    done += 1
                offset = history_id
                moved = True
            conn.execute(
                "UPDATE outbox.offsets SET last_history_id = %s, gap_seen_xmax = %s "
                "WHERE consumer = %s", (offset, gap_xmax, consumer))
        stats["processed"] += done  # committed
        if not moved:
            return gap_xmax is not None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", default="")
    parser.add_argument("--scheme", required=True)
    parser.add_argument("--channel", default="pg_segment")
    parser.add_argument("--consumer", default="example")
    parser.add_argument("--poll", type=float, default=0.5,
                        help="seconds between looks while a gap is pending")
    parser.add_argument("--exit-when-idle", type=float, default=None,
                        help="exit after this many seconds without a notification or a gap")
    parser.add_argument("--crash-after", type=int, default=None,
                        help="die (exit 3) before processing this many changes")
    args = parser.parse_args()

    conn = psycopg.connect(args.dsn, autocommit=True)
    conn.execute(SETUP)
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.execute("INSERT INTO outbox.offsets VALUES (%s, 0, NULL) ON CONFLICT DO NOTHING",
                 (args.consumer,))
    scheme_id, history = scheme_tables(conn, args.scheme)
    listener = psycopg.connect(args.dsn, autocommit=True)
    listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(args.channel)))

    stats = {"processed": 0}
    try:
        while True:
            # catch up first (what committed while we were away, or since the last look),
            # then wait: a notification, or the poll interval while a gap is pending
            gap = catch_up(conn, args.consumer, scheme_id, history, stats, args.crash_after)
            wait = args.poll if gap else args.exit_when_idle
            notified = False
            for _ in listener.notifies(timeout=wait if wait is not None else 60.0, stop_after=1):
                notified = True
            if not notified and not gap and args.exit_when_idle is not None:
                break
    except Crash:
        print(f"crashed on purpose after {stats['processed']} changes", flush=True)
        sys.exit(3)
    print(f"processed {stats['processed']} changes", flush=True)


if __name__ == "__main__":
    main()
