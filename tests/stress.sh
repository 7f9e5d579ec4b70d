#!/usr/bin/env bash
# Concurrency stress test of pg_segment's central promise: after concurrent writers (segment.answer,
# plain SQL, bulk statements), a client deleter and an administrator changing schemes, every
# stored assignment and history row is correct. One phase per isolation level, each on a fresh
# database; after each phase the checks in tests/stress/setup.sql (st.check_* views) must be
# empty. Exits 0 only if every check of every phase passed.
#
#   tests/stress.sh                    # 3 phases of STRESS_SECONDS (default 5) seconds
#   STRESS_SECONDS=20 tests/stress.sh  # longer phases
#   STRESS_LEVELS="read committed,serializable" tests/stress.sh  # some isolation levels only
#   STRESS_WORKERS="answer_1 admin" tests/stress.sh  # some workers only, to narrow a failure down
#   STRESS_PGOPTIONS="-c pg_segment.direct_writes=off" tests/stress.sh  # settings for every worker
# Uses the extension already installed in the local cluster (see scripts/lib.sh); builds nothing.
# The database of the last phase is left in place for inspection.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"

HERE="$ROOT/tests/stress"
DB="${STRESS_DB:-pg_segment_stress}"
DURATION="${STRESS_SECONDS:-5}"
# Writers go on this long after the administrator's last change, so a writer that keeps scoring
# with a stale configuration leaves a wrong assignment behind instead of having it overwritten
# by the next re-segmentation.
TAIL=2
# answer_N: segment.answer(); plain: single-answer plain SQL; bulk: INSERT ... SELECT and DELETE
# of several answers; params: writes customers, orders and answers of the scheme with
# parameters; kinds: writes multiple-choice picks and number answers; deleter: deletes and
# re-inserts clients; admin: changes the schemes.
WORKERS="${STRESS_WORKERS:-answer_1 answer_2 plain bulk params kinds deleter admin}"
ADMIN_PAUSE_MS="${STRESS_ADMIN_PAUSE_MS:-20}"  # lets writers run between configuration changes
PGBENCH="${PG_BIN}/pgbench"
SERVER_LOG="${RUN_DIR}/postgres-${PG_MAJOR}.log"
OUT="$(mktemp -d /tmp/pg_segment_stress.XXXXXX)"  # each worker's pgbench output
trap 'rm -rf "$OUT"' EXIT
started=$SECONDS
# The extension may be reinstalled while the test runs (new backends would load the new
# library), which would mix two builds in one result: name the build, and check it at the end.
build_id() { stat -c '%y' "$("$PG_CONFIG" --pkglibdir)/pg_segment.so" | cut -c1-19; }
build=$(build_id)
failed_checks=0
log_from=0  # server log size at the start of the phase

# pgbench retries 40001/40P01 (--max-tries) but ends a client at any other error, e.g. 23503
# when the deleter removed the client between the writer's snapshot and its foreign-key check.
# Restart it until the phase is over, so every worker keeps writing for the whole phase; its
# errors are counted and shown after the phase.
worker() { # name, script, isolation level, seconds
    local name=$1 script=$2 iso=$3 end=$((SECONDS + $4)) left rc
    while left=$((end - SECONDS)); [ "$left" -gt 0 ]; do
        rc=0
        PGOPTIONS="-c default_transaction_isolation=${iso// /\\ } ${STRESS_PGOPTIONS:-}" \
            "$PGBENCH" -n -c 1 -T "$left" --max-tries=10 --failures-detailed --verbose-errors \
            -D pause="$ADMIN_PAUSE_MS" -f "$HERE/$script" "$DB" \
            >>"$OUT/$name.out" 2>>"$OUT/$name.err" || rc=$?
        # 1 is a usage or connection error: restarting cannot help.
        if [ "$rc" = 1 ]; then echo "pgbench $name: exit 1" >>"$OUT/$name.err"; return; fi
    done
}

sum_field() { # file, pgbench summary label: the sum over all runs of that worker
    awk -v k="$2" 'index($0, k ": ") == 1 { sub(".*: ", ""); s += $1 } END { print s + 0 }' "$1"
}

report_workers() {
    local name
    for name in $WORKERS; do
        printf '  %-9s %6d tx, %4d retried (%d retries), %3d failed after retries (%d serialization, %d deadlock), %3d aborted by other errors\n' \
            "$name" "$(sum_field "$OUT/$name.out" 'number of transactions actually processed')" \
            "$(sum_field "$OUT/$name.out" 'number of transactions retried')" \
            "$(sum_field "$OUT/$name.out" 'total number of retries')" \
            "$(sum_field "$OUT/$name.out" 'number of failed transactions')" \
            "$(sum_field "$OUT/$name.out" 'number of serialization failures')" \
            "$(sum_field "$OUT/$name.out" 'number of deadlock failures')" \
            "$(grep -c 'aborted in command' "$OUT/$name.err" || true)"
    done
    # Distinct errors that ended a client (numbers masked so equal messages group together).
    if grep -hq 'aborted in command' "$OUT"/*.err; then
        echo "  errors that ended a pgbench client:"
        grep -h 'aborted in command' "$OUT"/*.err | sed -E 's/.*(ERROR|FATAL): +//; s/[0-9]+/N/g' |
            sort | uniq -c | sort -rn | head -15 | sed 's/^/    /'
    fi
}

# Every error the server logged for the stress database during the phase (it logs verbosely, so
# with a SQLSTATE; other databases' lines lack one), grouped with numbers masked; includes the
# 40001/40P01 that pgbench retried. Expected under this load: 40001 and 40P01 (retried), 23503
# (a writer meets a client the deleter removed). Anything else is an extension failure.
server_errors() {
    tail -c +"$((log_from + 1))" "$SERVER_LOG" | grep -aE '(ERROR|FATAL|PANIC): +[0-9A-Z]{5}: ' |
        sed -E 's/.*(ERROR|FATAL|PANIC): +//' |
        awk '{ msg = substr($0, 8); gsub(/[0-9]+/, "N", msg); print substr($0, 1, 5), msg }' || true
}
report_server_errors() {
    local unexpected
    echo "  server log errors (count, SQLSTATE, message):"
    server_errors | sort | uniq -c | sort -rn | head -20 | sed 's/^/    /'
    unexpected=$(server_errors | grep -cvE '^(40001|40P01|23503) ' || true)
    if [ "$unexpected" = 0 ]; then
        printf '  PASS %-28s %s\n' unexpected_errors "only 40001, 40P01, 23503 errors"
    else
        printf '  FAIL %-28s %s: %s errors\n' unexpected_errors "errors other than 40001, 40P01, 23503" "$unexpected"
        failed_checks=$((failed_checks + 1))
    fi
}

check() { # view, description
    local n
    n=$(pgsql -d "$DB" -tAc "SELECT count(*) FROM st.$1")
    if [ "$n" = 0 ]; then
        printf '  PASS %-28s %s\n' "$1" "$2"
    else
        printf '  FAIL %-28s %s: %s offending rows; first ones:\n' "$1" "$2" "$n"
        pgsql -d "$DB" -c "SELECT * FROM st.$1 LIMIT 6" | sed 's/^/      /'
        failed_checks=$((failed_checks + 1))
    fi
}

phase() {
    local iso=$1
    log "phase: ${iso}, ${DURATION} s with the administrator + ${TAIL} s without"
    # A fresh database per phase, so a failure is attributed to the isolation level that made it.
    recreate_db "$DB"
    pgsql -d postgres -c "ALTER DATABASE \"$DB\" SET log_error_verbosity = verbose"
    pgsql -d "$DB" -f "$HERE/setup.sql" >/dev/null
    PGOPTIONS="-c default_transaction_isolation=${iso// /\\ }" \
        pgsql -d "$DB" -tAc "SELECT '  sessions run in ' || current_setting('transaction_isolation')"
    rm -f "$OUT"/*
    log_from=$(stat -c %s "$SERVER_LOG")

    local name
    for name in $WORKERS; do
        if [ "$name" = admin ]; then
            worker admin admin.sql "$iso" "$DURATION" &
        else # answer_1, answer_2 run answer.sql
            worker "$name" "${name%_[0-9]}.sql" "$iso" $((DURATION + TAIL)) &
        fi
    done
    wait

    report_workers
    if grep -hqE '^pgbench .*: exit 1$' "$OUT"/*.err; then
        echo "  a pgbench worker could not run:"; grep -h -B3 -E '^pgbench .*: exit 1$' "$OUT"/*.err | head -20
        failed_checks=$((failed_checks + 1))
    fi
    report_server_errors
    pgsql -d "$DB" -tAc "SELECT '  state: ' || string_agg(format('%s v%s %s assigned', s.name, s.version,
        (SELECT count(*) FROM st.assignments a WHERE a.scheme_id = s.scheme_id)), ', ' ORDER BY s.scheme_id)
        || format(', %s history rows, %s of 1600 clients present',
                  (SELECT count(*) FROM st.history), (SELECT count(*) FROM st.clients))
        FROM segment.schemes s"
    check check_verify "segment.verify() is empty for every scheme"
    check check_recompute "assignments equal a plain-SQL recompute of the answers"
    check check_parameter_recompute "scheme value equals a plain-SQL recompute with parameters"
    check check_ruled_recompute "scheme risk equals a plain-SQL recompute with its group, requirement, forced level and variants"
    check check_history_latest "latest history row equals the assignment"
    check check_orphans "no data of deleted clients"
    check check_history_version_order "history versions never decrease"
    check check_version_not_ahead "no version ahead of its scheme"
}

start_cluster
log "testing the pg_segment.so installed at ${build}"
IFS=, read -ra levels <<<"${STRESS_LEVELS:-read committed,repeatable read,serializable}"
for iso in "${levels[@]}"; do
    phase "$iso"
done
if [ "$(build_id)" != "$build" ]; then
    echo "FAIL: pg_segment.so was reinstalled during the run (now $(build_id)); results mix two builds"
    failed_checks=$((failed_checks + 1))
fi
log "stress test done in $((SECONDS - started)) s: ${failed_checks} failed checks"
[ "$failed_checks" = 0 ]
