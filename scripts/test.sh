#!/usr/bin/env bash
# Every test suite, against a real PostgreSQL 15 with the extension installed:
#   1. cargo fmt / clippy  2. engine unit tests and in-database #[pg_test]s (cargo pgrx test)
#   3. pg_regress SQL suites  4. pg_isolation_regress concurrency specs  5. dump/restore round trip
#   6. the benchmark suite at smoke size
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
suite "cargo clippy -D warnings" cargo clippy --all-targets --features "pg${PG_MAJOR} pg_test" --no-default-features -q -- -D warnings

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

regress() {
    local out="${RUN_DIR}/regress"
    rm -rf "$out"; mkdir -p "$out"
    recreate_db pg_segment_regress
    local tests
    tests=$(cd tests/pg_regress/sql && ls *.sql | sed 's/\.sql$//' | sort)
    "${PGXS_TEST}/regress/pg_regress" --use-existing --host="$PGHOST" --port="$PGPORT" --user=postgres \
        --dbname=pg_segment_regress --inputdir=tests/pg_regress --outputdir="$out" $tests \
        || { cat "$out/regression.diffs" 2>/dev/null | head -200; return 1; }
}
suite "pg_regress SQL suites" regress

isolation() {
    local out="${RUN_DIR}/isolation"
    rm -rf "$out"; mkdir -p "$out"
    recreate_db pg_segment_isolation
    local specs
    specs=$(cd tests/isolation/specs && ls *.spec | sed 's/\.spec$//' | sort)
    "${PGXS_TEST}/isolation/pg_isolation_regress" --use-existing --host="$PGHOST" --port="$PGPORT" \
        --user=postgres --dbname=pg_segment_isolation --inputdir=tests/isolation --outputdir="$out" $specs \
        || { cat "$out/regression.diffs" 2>/dev/null | head -200; return 1; }
}
suite "pg_isolation_regress concurrency specs" isolation

suite "pg_dump | pg_restore round trip" bash "$ROOT/tests/dump_restore.sh"
suite "benchmark smoke run (bench/run.sh --size smoke)" bash "$ROOT/bench/run.sh" --size smoke

echo
[ "$failed" -eq 0 ] || printf 'failed: %s\n' "${failures[@]}"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
