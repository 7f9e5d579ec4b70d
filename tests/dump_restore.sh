#!/usr/bin/env bash
# pg_dump | pg_restore round trip of a database using pg_segment: schemes, answers, assignments
# and history come back identical, and the restored database keeps segmenting.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
SRC=pg_segment_dump_src DST=pg_segment_dump_dst
DUMP="${RUN_DIR}/pg_segment_roundtrip.dump"

recreate_db "$SRC"
pgsql -d "$SRC" -c "CREATE EXTENSION pg_segment"
# (rules: the outlet scheme's capped group, required question, forced level and variants)
for f in crm schemes answers parameters rules; do pgsql -d "$SRC" -f "$ROOT/demo/$f.sql" >/dev/null; done
# some history beyond the first categorization: answer changes and a scheme change
pgsql -d "$SRC" >/dev/null <<'SQL'
SELECT segment.answer('outlet_category', c, 'payments', 'on_time') FROM generate_series(1, 50) c;
UPDATE segment.levels SET max_score = 27 WHERE name = 'B' AND variant_id IS NULL;
UPDATE segment.levels SET min_score = 27 WHERE name = 'A' AND variant_id IS NULL;
-- a client table whose constraints pg_restore adds after the answers' foreign key (its schema
-- sorts after segment), with a key type modifier, row security, and a writer's grants
CREATE SCHEMA zeta;
CREATE TABLE zeta.regions (id integer PRIMARY KEY);
INSERT INTO zeta.regions VALUES (1);
CREATE TABLE zeta.stores (code varchar(6) PRIMARY KEY, region integer REFERENCES zeta.regions);
INSERT INTO zeta.stores VALUES ('S-0001', 1), ('S-0002', 1);
ALTER TABLE zeta.stores ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_store ON zeta.stores USING (true);
SELECT segment.create_scheme('store_size', 'zeta.stores');
SELECT segment.add_question('store_size', 'floor', 'Floor');
SELECT segment.add_option('store_size', 'floor', 'big', 'Big', 10);
SELECT segment.add_level('store_size', 'large', 5, 'Infinity');
SELECT segment.answer('store_size', 'S-0001', 'floor', 'big');
-- its segment changes are announced (segment.notify: a row and a trigger on its history)
SELECT segment.notify('store_size', 'store_changes');
ALTER TABLE segment.zeta_stores_assignments ENABLE ROW LEVEL SECURITY;
CREATE POLICY every_assignment ON segment.zeta_stores_assignments USING (true);
DO $$ BEGIN CREATE ROLE segment_dump_writer; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
SELECT segment.grant_writer('segment_dump_writer');
-- a parameter defined by an administrator who reads the table through grants (restored after
-- the data; it bypasses the table's row security, as a definer must): the restore keeps its
-- definer and its triggers, and re-scores nothing
DO $$ BEGIN CREATE ROLE segment_dump_admin; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
ALTER ROLE segment_dump_admin BYPASSRLS;
SELECT segment.grant_admin('segment_dump_admin');
GRANT USAGE ON SCHEMA zeta TO segment_dump_admin;
GRANT SELECT, TRIGGER ON zeta.stores TO segment_dump_admin;
SET ROLE segment_dump_admin;
SELECT segment.add_parameter('store_size', 'region', 'Region', 'region * 2');
SELECT segment.add_range('store_size', 'region', 0, 5, 1);
RESET ROLE;
-- open drafts, one edited; the live row rewritten after its draft's (so a dump lists the
-- draft first: its reference to the live scheme is checked at the end of the load)
SELECT segment.create_draft('store_size');
SELECT segment.add_level('store_size@draft', 'small', '-Infinity', 5);
SELECT segment.create_draft('customer_value');
UPDATE segment.schemes SET description = 'Store size' WHERE name = 'store_size';
SQL

# One line per table of schema segment: its name, row count and a digest of all its rows.
snapshot() {
    pgsql -d "$1" -At <<'SQL'
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM %s t',
              c.oid::regclass, '|', '', c.oid::regclass)
FROM pg_class c WHERE c.relnamespace = 'segment'::regnamespace AND c.relkind = 'r' ORDER BY c.relname
\gexec
SQL
}

# (pg_dump warns of nothing: a configuration table referencing itself would make it warn of
# a circular foreign key on every dump)
pg_dump -Fc -d "$SRC" -f "$DUMP" 2> "${RUN_DIR}/pg_dump.stderr"
if grep -q . "${RUN_DIR}/pg_dump.stderr"; then
    echo "pg_dump warned:"; cat "${RUN_DIR}/pg_dump.stderr"; exit 1
fi
recreate_db "$DST"
pg_restore --exit-on-error -d "$DST" "$DUMP"

before=$(snapshot "$SRC"); after=$(snapshot "$DST")
echo "$before"
if [ "$before" != "$after" ]; then
    echo "restored database differs:"; diff <(echo "$before") <(echo "$after"); exit 1
fi
tables=$(echo "$before" | wc -l)
[ "$tables" -ge 11 ] || { echo "expected at least 11 tables in schema segment, saw $tables"; exit 1; }

# The restored database keeps working: triggers, sequences and configuration are live.
check=$(pgsql -d "$DST" -At <<'SQL'
SELECT segment.answer('outlet_category', 7, 'floor_area', 'over_1000');
SELECT segment.add_question('outlet_category', 'after_restore', 'Added after restore') > 0;
SELECT count(*) FROM segment.verify('outlet_category');
SELECT count(*) FROM segment.verify('customer_value');
SELECT segment.publish('store_size@draft') >= 0;
SELECT count(*) FROM segment.verify('store_size');
UPDATE crm.companies SET outlet_type = 'kiosk' WHERE id = 7;
SELECT count(*) FROM segment.verify('outlet_category');
SELECT (SELECT max(history_id) FROM segment.crm_companies_history)
       > (SELECT min(history_id) FROM segment.crm_companies_history WHERE cause = 'scheme change');
SET ROLE segment_dump_writer;
SELECT segment.answer('store_size', 'S-0002', 'floor', 'big');
RESET ROLE;
SELECT count(*) FROM segment.verify('store_size');
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'zeta.stores'::regclass AND tgname LIKE 'pg_segment_client_%';
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'segment.zeta_stores_answers'::regclass AND attname = 'client_id';
SELECT definer FROM segment.parameters WHERE code = 'region';
SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger
WHERE tgrelid = 'zeta.stores'::regclass AND tgname LIKE 'pg_segment_params_%';
INSERT INTO zeta.regions VALUES (3);
UPDATE zeta.stores SET region = 3 WHERE code = 'S-0002';
INSERT INTO zeta.stores VALUES ('S-0003', 1);
SELECT string_agg(client_id || '=' || score || '/' || parameter_score, ' ' ORDER BY client_id)
FROM segment.zeta_stores_assignments;
SELECT count(*) FROM segment.verify('store_size');
INSERT INTO crm.orders VALUES (100001, 12, 9000, '2026-11-30');
SELECT count(*) FROM segment.verify('account_value');
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'crm.orders'::regclass AND tgname LIKE 'pg_segment_related_%';
SQL
)
expected=$'\nt\n0\n0\nt\n0\n0\nt\n\n0\n3\ncharacter varying(6)\nsegment_dump_admin\npg_segment_params_insert,pg_segment_params_update\nS-0001=11/1 S-0002=10/0 S-0003=1/1\n0\n0\n4'
if [ "$check" != "$expected" ]; then
    echo "restored database does not keep segmenting; got:"; echo "$check"; exit 1
fi
echo "round trip identical (${tables} tables) and the restored database keeps segmenting"
# segment.notify survives: the restored history table has its trigger, and a change of a
# store's segment is announced on the channel
notified=$(pgsql -d "$DST" -c "LISTEN store_changes" \
    -c "SELECT segment.answer('store_size', 'S-0003', 'floor', 'big')" 2>&1 | grep -c 'Asynchronous notification "store_changes"')
if [ "$notified" != 1 ]; then
    echo "the restored database does not announce segment changes (notifications seen: $notified)"; exit 1
fi
echo "the restored database announces segment changes on the channel segment.notify chose"
for db in "$DST" "$SRC"; do
    pgsql -d "$db" -c "SELECT segment.revoke_role('segment_dump_writer')" \
        -c "SELECT segment.revoke_role('segment_dump_admin')" -c "DROP OWNED BY segment_dump_admin" >/dev/null
done
pgsql -d "$SRC" -c "DROP ROLE segment_dump_writer, segment_dump_admin" >/dev/null
