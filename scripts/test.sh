#!/usr/bin/env bash
# Every test suite, against a real PostgreSQL 15 with the extension installed:
#   1. cargo fmt / clippy  2. engine unit tests and in-database #[pg_test]s (cargo pgrx test)
#   3. pg_regress SQL suites  4. pg_isolation_regress concurrency specs  5. the concurrency
#   stress test  6. both suites again against PostgreSQL 18  7. pg_cron running segment.refresh
#   8. dump/restore round trip  9. schemes as code  10. the outbox consumer (segment.notify)
#   11. the upgrade from release 0.1.0  12. the benchmark suite at smoke size
# Ends with a "N passed, N failed" line; exits non-zero when anything failed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_toolchain
cd "$ROOT"
PGXS_TEST="$("${PG_CONFIG}" --pkglibdir)/pgxs/src/test"
passed=0 failed=0 failures=()
record() { # name, exit status
    if [ "$2" -eq 0 ]; then passed=$((passed + 1)); echo "PASS $1"
    else failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1"; fi
}
suite() { # name, command...
    local name=$1; shift
    log "$name"
    set +e; "$@"; local status=$?; set -e
    record "$name" "$status"
}

suite "cargo fmt --check" cargo fmt --all -- --check
suite "cargo clippy (lints: Cargo.toml)" cargo clippy --all-targets --features "pg${PG_MAJOR} pg_test" --no-default-features -q

# cargo pgrx test builds with pg_test, installs, and starts its own throw-away cluster as the
# postgres OS user; the engine's plain #[test]s run in the same binary.
pgrx_tests() {
    local dir="${RUN_DIR}/pgrx-test"
    mkdir -p "$dir"; chown postgres: "${RUN_DIR}" "$dir"
    cargo pgrx test "pg${PG_MAJOR}" --runas postgres --pgdata "$dir/data"
}
suite "engine unit tests + #[pg_test] (cargo pgrx test)" pgrx_tests

build_and_install
start_cluster

# A pg_regress-style suite against the private cluster: tool, input directory, the folder and
# suffix of its test files, and the database it uses.
pg_suite() {
    local tool=$1 dir=$2 folder=$3 suffix=$4 db=$5
    local out="${RUN_DIR}/${db}"
    rm -rf "$out"; mkdir -p "$out"
    recreate_db "$db"
    local names
    names=$(cd "$dir/$folder" && ls *."$suffix" | sed "s/\.$suffix\$//" | sort)
    "$tool" --use-existing --host="$PGHOST" --port="$PGPORT" --user=postgres \
        --dbname="$db" --inputdir="$dir" --outputdir="$out" $names \
        || { cat "$out/regression.diffs" 2>/dev/null | head -200; return 1; }
}
suite "pg_regress SQL suites" pg_suite "${PGXS_TEST}/regress/pg_regress" tests/pg_regress sql sql pg_segment_regress
suite "pg_isolation_regress concurrency specs" pg_suite "${PGXS_TEST}/isolation/pg_isolation_regress" \
    tests/isolation specs spec pg_segment_isolation

suite "concurrency stress test (tests/stress.sh)" bash "$ROOT/tests/stress.sh"
suite "PostgreSQL 18: pg_regress and isolation suites" bash "$ROOT/tests/pg18.sh"
suite "pg_cron runs segment.refresh on a schedule (tests/cron.sh)" bash "$ROOT/tests/cron.sh"
suite "pg_dump | pg_restore round trip" bash "$ROOT/tests/dump_restore.sh"
suite "schemes as code: export, JSON Schema, import (tests/schemes_as_code.sh)" bash "$ROOT/tests/schemes_as_code.sh"
suite "segment.notify and the outbox consumer, exactly once across a crash (tests/outbox.sh)" bash "$ROOT/tests/outbox.sh"
suite "ALTER EXTENSION UPDATE from 0.1.0 (tests/upgrade.sh)" bash "$ROOT/tests/upgrade.sh"
suite "benchmark smoke run (bench/run.sh --size smoke)" bash "$ROOT/bench/run.sh" --size smoke

echo
[ "$failed" -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
