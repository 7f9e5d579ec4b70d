#!/usr/bin/env bash
# The outbox example (examples/outbox_consumer.py) processes every segment change exactly once
# across a crash: a consumer listens to segment.notify's channel while three writers change
# answers (one transaction in five rolled back), dies on purpose mid-batch, misses a level
# change that moves every client and more writes, and a second run catches up and follows the
# writers until they stop. Every history row that changed the scheme's segment must then be in
# outbox.processed once (its primary key forbids twice), and nothing else. Then the consumer's
# gap rule step by step.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
DB=pg_segment_outbox
VENV="${RUN_DIR}/bench-venv"
if [ ! -x "${VENV}/bin/python" ]; then
    python3 -m venv "${VENV}"
fi
"${VENV}/bin/pip" install -q -r "${ROOT}/bench/requirements.txt"

recreate_db "$DB"
pgsql -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION pg_segment;
CREATE TABLE shops (id integer PRIMARY KEY);
INSERT INTO shops SELECT g FROM generate_series(1, 300) g;
SELECT segment.create_scheme('outlets', 'shops');
SELECT segment.add_question('outlets', 'size', 'Size');
SELECT segment.add_option('outlets', 'size', 'small', 'Small', 1);
SELECT segment.add_option('outlets', 'size', 'big', 'Big', 10);
SELECT segment.add_option('outlets', 'size', 'huge', 'Huge', 12);
SELECT segment.add_level('outlets', 'low', '-Infinity', 5);
SELECT segment.add_level('outlets', 'high', 5, 'Infinity');
-- another scheme of the same table, not notified: its rows are in the same history
SELECT segment.create_scheme('mood', 'shops');
SELECT segment.add_question('mood', 'mood', 'Mood');
SELECT segment.add_option('mood', 'mood', 'ok', 'OK', 1);
SELECT segment.add_level('mood', 'any', '-Infinity', 'Infinity');
SELECT segment.notify('outlets', 'outlet_changes');
SQL
WRITES="${RUN_DIR}/outbox_writes.sql"
cat > "$WRITES" <<'SQL'
\set c random(1, 300)
\set o random(1, 3)
\set fate random(1, 5)
BEGIN;
SELECT segment.answer('outlets', :c, 'size', (ARRAY['small', 'big', 'huge'])[:o]);
SELECT segment.answer('mood', :c, 'mood', 'ok');
\if :fate = 1
ROLLBACK;
\else
COMMIT;
\endif
SQL
writers() { pgbench -n -d "$DB" -c 3 -j 3 -T "$1" -f "$WRITES" >/dev/null 2>&1; }
consumer() { # (a consumer that never finds itself idle fails the test after 2 minutes)
    timeout 120 "${VENV}/bin/python" "$ROOT/examples/outbox_consumer.py" --dsn "dbname=$DB" \
        --scheme outlets --channel outlet_changes --consumer test "$@"
}

status=0
# 1. a consumer that dies after 150 changes, while the writers run
consumer --crash-after 150 > "${RUN_DIR}/outbox_first.log" 2>&1 &
first=$!
writers 4
first_status=0
wait "$first" || first_status=$?
cat "${RUN_DIR}/outbox_first.log"
[ "$first_status" = 3 ] || { echo "FAILED: the first consumer did not crash on purpose ($first_status)"; status=1; }
# 2. while no consumer runs: a level change that moves every small shop, and more writes
pgsql -d "$DB" -c "UPDATE segment.levels SET min_score = CASE name WHEN 'high' THEN 0 ELSE min_score END,
                   max_score = CASE name WHEN 'low' THEN 0 ELSE max_score END
                   WHERE scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlets')" >/dev/null
writers 2
# 3. a second run catches up, follows the writers, and exits 3 s after the last notification
consumer --exit-when-idle 3 > "${RUN_DIR}/outbox_second.log" 2>&1 &
second=$!
writers 4
wait "$second" || { echo "FAILED: the second consumer failed"; status=1; }
cat "${RUN_DIR}/outbox_second.log"

history=$(pgsql -d "$DB" -At -c "SELECT history_table FROM segment.entities WHERE client_table = 'shops'::regclass")
read -r expected processed missing extra < <(pgsql -d "$DB" -At -F ' ' -c "
    WITH changes AS (
        SELECT h.history_id FROM ${history} h
        JOIN segment.schemes s USING (scheme_id)
        WHERE s.name = 'outlets' AND h.old_segment IS DISTINCT FROM h.new_segment),
    done AS (SELECT history_id FROM outbox.processed WHERE consumer = 'test')
    SELECT (SELECT count(*) FROM changes), (SELECT count(*) FROM done),
           (SELECT count(*) FROM changes c WHERE NOT EXISTS (SELECT 1 FROM done d WHERE d.history_id = c.history_id)),
           (SELECT count(*) FROM done d WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.history_id = d.history_id))")
echo "segment changes in the history: ${expected}; processed: ${processed}; missing: ${missing}; extra: ${extra}"
if [ "$missing" = 0 ] && [ "$extra" = 0 ] && [ "$expected" -gt 300 ]; then
    echo "ok: every segment change was processed exactly once across the crash"
else
    echo "FAILED: the processed changes differ from the history's"; status=1
fi
# The consumer's gap rule, step by step (its catch_up called between the writers' steps): a
# transaction that drew a lower history_id and commits after a higher one is waited for, and
# processed once; a second such gap after the first closed is waited for too (not skipped on
# the first gap's horizon); a rolled-back id is skipped once every transaction running when the
# gap was seen has ended.
"${VENV}/bin/python" - "$DB" "$ROOT/examples" <<'PY' || status=1
import sys
import psycopg
sys.path.insert(0, sys.argv[2])
import outbox_consumer as oc

dsn = f"dbname={sys.argv[1]}"
consumer = psycopg.connect(dsn, autocommit=True)
consumer.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
scheme_id, history = oc.scheme_tables(consumer, "outlets")
# the levels as they were (the level change above put every shop in high), so that big and
# small are segments apart again
consumer.execute("UPDATE segment.levels SET min_score = CASE name WHEN 'high' THEN 5 ELSE min_score END, "
                 "max_score = CASE name WHEN 'low' THEN 5 ELSE max_score END "
                 "WHERE scheme_id = %s", (scheme_id,))
# (from the end of the history so far: only this part's changes count)
consumer.execute(f"INSERT INTO outbox.offsets SELECT 'steps', COALESCE(max(history_id), 0), NULL "
                 f"FROM {history}")
stats = {"processed": 0}
sessions = {name: psycopg.connect(dsn) for name in "ABCDEF"}  # each in its own transaction


def move(name, client, option):
    sessions[name].execute("SELECT segment.answer('outlets', %s, 'size', %s)", (client, option))


def look():
    oc.catch_up(consumer, "steps", scheme_id, history, stats, None)
    return stats["processed"]


def flip(client):
    """An option that changes the client's segment (low <-> high) from what it is now."""
    now = consumer.execute("SELECT segment.segment_of('outlets', %s)", (client,)).fetchone()
    return "small" if now and now[0] == "high" else "big"


failed = []
def expect(what, got, want):
    print(f"{'ok' if got == want else 'FAILED'}: {what}: {got} (expected {want})")
    if got != want:
        failed.append(what)

base = look()
move("A", 11, flip(11)); move("B", 12, flip(12)); sessions["B"].commit()
expect("a gap before a committed change holds it back", look() - base, 0)
sessions["A"].commit()
expect("the late commit and the change after it, once each", look() - base, 2)
move("C", 13, flip(13)); move("D", 14, flip(14)); sessions["D"].commit()
expect("a second gap is waited for too", look() - base, 2)
sessions["C"].commit()
expect("both of the second gap's changes, once each", look() - base, 4)
move("E", 15, flip(15)); move("F", 16, flip(16)); sessions["F"].commit()
look()
sessions["E"].rollback()
expect("a rolled-back id is skipped once its transaction ended", look() - base, 5)
done = consumer.execute("SELECT count(*) FROM outbox.processed WHERE consumer = 'steps'").fetchone()[0]
expect("rows in outbox.processed", done, 5)
sys.exit(1 if failed else 0)
PY
rm -f "$WRITES"
exit $status
