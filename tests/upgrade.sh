#!/usr/bin/env bash
# ALTER EXTENSION pg_segment UPDATE from the 0.1.0 release: every configuration, answer,
# assignment and history row survives unchanged, segment.verify is clean, answers written
# afterwards are scored, and the extension's objects are exactly those of a fresh install of
# the current version: its catalog objects, and pg_dump --schema-only of the whole database
# against a fresh install given the same data. The release's pg_dump restores into the current
# version too. The 0.1.0 release is built from its commit; its install script is kept in
# sql/pg_segment--0.1.0.sql, and this test checks the build reproduces it.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
RELEASE=0.1.0
RELEASE_COMMIT=396f3d9
OLD_TREE="${RUN_DIR}/release-${RELEASE}"
DB=pg_segment_upgrade FRESH=pg_segment_upgrade_fresh
EXTDIR="$("${PG_CONFIG}" --sharedir)/extension"

log "building pg_segment ${RELEASE} from commit ${RELEASE_COMMIT}"
if ! git -C "$ROOT" cat-file -e "${RELEASE_COMMIT}^{commit}" 2>/dev/null; then
    echo "commit ${RELEASE_COMMIT} (release ${RELEASE}) is not in this clone's history" >&2
    exit 1
fi
rm -rf "$OLD_TREE"
git -C "$ROOT" worktree prune
git -C "$ROOT" worktree add --detach --force "$OLD_TREE" "$RELEASE_COMMIT" >/dev/null
# A target directory of its own: in the project's, the release's library would overwrite the
# current one's under the same name while cargo still took the current one for built.
(cd "$OLD_TREE" && CARGO_TARGET_DIR="${RUN_DIR}/target-${RELEASE}" cargo pgrx install --release \
    --pg-config "${PG_CONFIG}" --no-default-features --features "pg${PG_MAJOR}" >/dev/null)
git -C "$ROOT" worktree remove --force "$OLD_TREE"
# The kept script is the release's (pgrx's comments name source lines, which may differ).
strip_source_lines() { grep -v '^-- src/' "$1"; }
if ! diff <(strip_source_lines "$EXTDIR/pg_segment--${RELEASE}.sql") \
          <(strip_source_lines "$ROOT/sql/pg_segment--${RELEASE}.sql") >/dev/null; then
    echo "sql/pg_segment--${RELEASE}.sql differs from the script release ${RELEASE} installs" >&2
    exit 1
fi

# The same clients, schemes, answers and history in any version: the demo data, answer changes,
# a level change, and a client table whose key has a type modifier.
load_data() { # database
    for f in crm schemes answers; do pgsql -d "$1" -f "$ROOT/demo/$f.sql" >/dev/null; done
    pgsql -d "$1" >/dev/null <<'SQL'
SELECT segment.answer('outlet_category', c, 'payments', 'on_time') FROM generate_series(1, 50) c;
UPDATE segment.levels SET max_score = 27 WHERE name = 'B';
UPDATE segment.levels SET min_score = 27 WHERE name = 'A';
-- a key with a type modifier, which 0.1.0 dropped from the per-table relations
CREATE TABLE crm.branches (code varchar(8) PRIMARY KEY);
INSERT INTO crm.branches VALUES ('NORTH-01'), ('SOUTH-02');
SELECT segment.create_scheme('branch_size', 'crm.branches');
SELECT segment.add_question('branch_size', 'staff', 'Staff');
SELECT segment.add_option('branch_size', 'staff', 'many', 'Many', 5);
SELECT segment.add_level('branch_size', 'large', 5, 'Infinity');
SELECT segment.answer('branch_size', 'NORTH-01', 'staff', 'many');
SQL
}

start_cluster
recreate_db "$DB"
pgsql -d "$DB" -c "CREATE EXTENSION pg_segment VERSION '${RELEASE}'"
load_data "$DB"
pgsql -d "$DB" >/dev/null <<'SQL'
-- 0.1.0's documented privilege model let writers write scores
DO $$ BEGIN CREATE ROLE segment_upgrade_writer; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT INSERT, UPDATE, DELETE ON segment.crm_companies_assignments, segment.crm_companies_history
    TO segment_upgrade_writer;
SQL
# A dump of the release's database, restored into the current version further down.
pg_dump -Fc -d "$DB" -f "${RUN_DIR}/upgrade-${RELEASE}.dump"

# One line per table of schema segment: its name, row count and a digest of all its rows.
# The statements are made once, from the release's tables: each digests the columns the
# release stored, so columns and tables the update adds (new columns are NULL or generated
# from the stored ones) do not count as changes, and every later snapshot runs the same ones.
SNAPSHOT_SQL=$(pgsql -d "$DB" -At <<'SQL'
SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(r::text, %L ORDER BY r::text), %L)) '
              'FROM (SELECT ROW(%s) AS r FROM %s t) s;',
              c.oid::regclass, '|', '',
              (SELECT string_agg(format('t.%I', a.attname), ', ' ORDER BY a.attnum)
               FROM pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                 AND a.attgenerated = ''),
              c.oid::regclass)
FROM pg_class c WHERE c.relnamespace = 'segment'::regnamespace AND c.relkind = 'r'
  AND c.relname <> 'role_grants' ORDER BY c.relname
SQL
)
snapshot() {
    pgsql -d "$1" -At <<<"$SNAPSHOT_SQL"
}
before=$(snapshot "$DB")

log "installing the current build and running ALTER EXTENSION pg_segment UPDATE"
build_and_install
pgsql -d "$DB" -c "ALTER EXTENSION pg_segment UPDATE"
status=0
check() { # description, expected, actual
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAILED: $1: expected [$2], got [$3]"; status=1; fi
}
version=$(pgsql -d "$DB" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'pg_segment'")
check "version after the update" "$(grep -Po "^version = \"\K[^\"]+" "$ROOT/Cargo.toml")" "$version"
after=$(snapshot "$DB")
if [ "$before" = "$after" ]; then echo "ok: every row of every segment table survived"
else echo "FAILED: rows changed by the update:"; diff <(echo "$before") <(echo "$after"); status=1; fi
check "segment.verify after the update" "0" \
    "$(pgsql -d "$DB" -At -c "SELECT sum((SELECT count(*) FROM segment.verify(name))) FROM segment.schemes")"
check "the key type keeps its modifier" "character varying(8)" \
    "$(pgsql -d "$DB" -At -c "SELECT format_type(atttypid, atttypmod) FROM pg_attribute
                              WHERE attrelid = 'segment.crm_branches_assignments'::regclass AND attname = 'client_id'")"
check "writers lost write access to scores" "f|f" \
    "$(pgsql -d "$DB" -At -c "SELECT has_table_privilege('segment_upgrade_writer', 'segment.crm_companies_assignments', 'UPDATE'),
                                     has_table_privilege('segment_upgrade_writer', 'segment.crm_companies_history', 'DELETE')")"
# answers after the update are scored, a key update follows the client, a client delete cleans up
check "an answer after the update is scored" "f" \
    "$(pgsql -d "$DB" -At <<'SQL'
SELECT segment.answer('outlet_category', 1, 'payments', 'on_time') \gset
SELECT segment.score('outlet_category', 1) AS before \gset
SELECT segment.answer('outlet_category', 1, 'payments', 'late') \gset
SELECT segment.score('outlet_category', 1) = :'before';
SQL
)"
check "a key update moves the client's score and history" "1|0" \
    "$(pgsql -d "$DB" -At <<'SQL'
UPDATE crm.branches SET code = 'NORTH-99' WHERE code = 'NORTH-01';
SELECT (SELECT count(*) FROM segment.crm_branches_assignments WHERE client_id = 'NORTH-99'),
       (SELECT count(*) FROM segment.crm_branches_history WHERE client_id = 'NORTH-01');
SQL
)"
check "segment.verify after writing" "0" \
    "$(pgsql -d "$DB" -At -c "SELECT sum((SELECT count(*) FROM segment.verify(name))) FROM segment.schemes")"

# The extension's own objects, as an upgraded database and a fresh install have them.
objects() {
    pgsql -d "$1" -At <<'SQL'
WITH members AS (
    SELECT d.classid, d.objid FROM pg_depend d
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_segment'))
SELECT 'function ' || p.oid::regprocedure || ' ' || md5(pg_get_functiondef(p.oid))
       || ' ' || coalesce(p.proacl::text, '') || ' ' || coalesce(obj_description(p.oid, 'pg_proc'), '')
FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid AND p.prokind <> 'a'
UNION ALL
SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' ' || coalesce(c.relacl::text, '')
       || ' ' || coalesce(obj_description(c.oid, 'pg_class'), '')
FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
UNION ALL
SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '')
FROM members m JOIN pg_attribute a ON m.classid = 'pg_class'::regclass AND a.attrelid = m.objid
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'constraint ' || co.conrelid::regclass || ' ' || co.conname || ' ' || pg_get_constraintdef(co.oid)
FROM members m JOIN pg_constraint co ON m.classid = 'pg_class'::regclass AND co.conrelid = m.objid
UNION ALL
SELECT 'index ' || pg_get_indexdef(i.indexrelid)
FROM members m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid)
FROM members m JOIN pg_trigger t ON m.classid = 'pg_class'::regclass AND t.tgrelid = m.objid AND NOT t.tgisinternal
UNION ALL
SELECT 'view ' || c.oid::regclass || ' ' || md5(pg_get_viewdef(c.oid))
FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid AND c.relkind = 'v'
UNION ALL
SELECT 'event trigger ' || e.evtname || ' ' || e.evtevent || ' ' || coalesce(e.evttags::text, '') || ' ' || e.evtfoid::regproc
FROM members m JOIN pg_event_trigger e ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid
UNION ALL
SELECT 'schema ' || n.nspname || ' ' || coalesce(n.nspacl::text, '') || ' ' || coalesce(obj_description(n.oid, 'pg_namespace'), '')
FROM members m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
UNION ALL
SELECT 'dumped ' || x::regclass FROM pg_extension e, unnest(e.extconfig) x WHERE e.extname = 'pg_segment'
ORDER BY 1
SQL
}
recreate_db "$FRESH"
pgsql -d "$FRESH" -c "CREATE EXTENSION pg_segment"
objects "$FRESH" >"${RUN_DIR}/upgrade-objects-fresh.txt"
objects "$DB" >"${RUN_DIR}/upgrade-objects-updated.txt"
# Compares two listings line by line: what, the fewest lines the fresh one must have, fresh
# listing, other listing.
same_listing() {
    local what=$1 fewest=$2 fresh=$3 other=$4 lines
    lines=$(wc -l <"$fresh")
    if [ "$lines" -lt "$fewest" ]; then
        echo "FAILED: ${what}: only ${lines} lines for a fresh install"; status=1
    elif diff "$fresh" "$other" >"${other}.diff"; then
        echo "ok: ${what}: the same as a fresh install's (${lines} lines compared)"
    else
        echo "FAILED: ${what}: not the same as a fresh install's (< fresh, > other):"
        head -40 "${other}.diff"; status=1
    fi
}
same_listing "the updated extension's objects" 100 \
    "${RUN_DIR}/upgrade-objects-fresh.txt" "${RUN_DIR}/upgrade-objects-updated.txt"
# The whole schema, as pg_dump prints it, of the updated database and of a fresh install of
# the current version given the same data: the per-table relations too must be those the
# current version creates. Normalised: no comments, blank lines or session settings, and no
# \restrict lines (whose key differs every dump).
schema_of() { # database
    pg_dump --schema-only -d "$1" | grep -v -e '^--' -e '^$' -e '^SET ' -e '^SELECT pg_catalog.set_config' \
        -e '^\\restrict' -e '^\\unrestrict'
}
FRESH_DATA=pg_segment_upgrade_fresh_data RESTORED=pg_segment_upgrade_restored
recreate_db "$FRESH_DATA"
pgsql -d "$FRESH_DATA" -c "CREATE EXTENSION pg_segment" >/dev/null
load_data "$FRESH_DATA"
schema_of "$FRESH_DATA" >"${RUN_DIR}/upgrade-schema-fresh.sql"
schema_of "$DB" >"${RUN_DIR}/upgrade-schema-updated.sql"
same_listing "pg_dump --schema-only of the updated database" 200 \
    "${RUN_DIR}/upgrade-schema-fresh.sql" "${RUN_DIR}/upgrade-schema-updated.sql"

# The release's dump restored into the current version: CREATE EXTENSION installs the current
# version, the per-table relations come back in the release's shape, and
# segment.repair_bound_tables() brings them to this version's, as the reference says.
recreate_db "$RESTORED"
if pg_restore --exit-on-error -d "$RESTORED" "${RUN_DIR}/upgrade-${RELEASE}.dump"; then
    echo "ok: the ${RELEASE} dump restores into the current version"
else
    echo "FAILED: the ${RELEASE} dump does not restore into the current version"; status=1
fi
check "repair_bound_tables after restoring the ${RELEASE} dump (three client tables)" "3" \
    "$(pgsql -d "$RESTORED" -At -c "SELECT segment.repair_bound_tables()")"
check "the restored ${RELEASE} dump holds every row" "$before" "$(snapshot "$RESTORED")"
check "segment.verify after restoring the ${RELEASE} dump" "0" \
    "$(pgsql -d "$RESTORED" -At -c "SELECT sum((SELECT count(*) FROM segment.verify(name))) FROM segment.schemes")"
check "an answer in the restored database is scored and verified" "t|0" \
    "$(pgsql -d "$RESTORED" -At <<'SQL'
SELECT segment.answer('branch_size', 'SOUTH-02', 'staff', 'many') \gset
SELECT segment.score('branch_size', 'SOUTH-02') = 5,
       (SELECT count(*) FROM segment.verify('branch_size'));
SQL
)"
schema_of "$RESTORED" | grep -v 'segment_upgrade_writer' >"${RUN_DIR}/upgrade-schema-restored.sql"
# (grants to the release's writer aside, which the restore brings back and repair revokes)
grep -v 'segment_upgrade_writer' "${RUN_DIR}/upgrade-schema-fresh.sql" >"${RUN_DIR}/upgrade-schema-fresh-nowriter.sql"
same_listing "pg_dump --schema-only of the restored and repaired database" 200 \
    "${RUN_DIR}/upgrade-schema-fresh-nowriter.sql" "${RUN_DIR}/upgrade-schema-restored.sql"
pgsql -d "$RESTORED" -c "DROP OWNED BY segment_upgrade_writer" >/dev/null
pgsql -d "$DB" -c "DROP OWNED BY segment_upgrade_writer" -c "DROP ROLE segment_upgrade_writer" >/dev/null
exit "$status"
