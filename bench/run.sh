#!/usr/bin/env bash
# Runs the benchmark suite against a local PostgreSQL 15 and writes bench/results/ (report.md,
# results.json, stock.json, chart.png, and profile.md from perf), then the concurrency stress test at length. `bench/run.sh --size smoke` is the seconds-long version the test
# command runs so the scripts cannot rot; its output goes to the run directory instead.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
SIZE=full
[ "${1:-}" = "--size" ] && SIZE="${2:-full}"
ensure_toolchain
build_and_install
start_cluster
VENV="${RUN_DIR}/bench-venv"
if [ ! -x "${VENV}/bin/python" ]; then
    log "creating the benchmark's Python environment"
    python3 -m venv "${VENV}"
fi
"${VENV}/bin/pip" install -q -r "${ROOT}/bench/requirements.txt"
OUT="${ROOT}/bench/results"
[ "$SIZE" = smoke ] && OUT="${RUN_DIR}/bench-smoke"
# The upsert comparisons also run on a stock-configuration cluster, as a new user's would be:
# initdb's defaults, only its port and socket set (and no TCP listener). It runs first; the
# report of the main run includes it.
STOCK_PORT=$((PGPORT + 10))
STOCK_DATA="${RUN_DIR}/data-${PG_MAJOR}-stock"
rm -f "${OUT}/stock.json"
if [ ! -f "${STOCK_DATA}/PG_VERSION" ]; then
    as_postgres "${PG_BIN}/initdb" -D "${STOCK_DATA}" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
# one left running by an interrupted run is stopped first; this run's is stopped however it ends
stop_stock() {
    if as_postgres "${PG_BIN}/pg_ctl" -D "${STOCK_DATA}" status >/dev/null 2>&1; then
        as_postgres "${PG_BIN}/pg_ctl" -D "${STOCK_DATA}" -w -m fast stop >/dev/null
    fi
}
stop_stock
trap stop_stock EXIT
log "starting a stock-configuration PostgreSQL ${PG_MAJOR} on port ${STOCK_PORT}"
as_postgres "${PG_BIN}/pg_ctl" -D "${STOCK_DATA}" -w -l "${RUN_DIR}/postgres-${PG_MAJOR}-stock.log" \
    -o "-p ${STOCK_PORT} -k ${RUN_DIR}/socket -c listen_addresses=''" start >/dev/null
PGPORT="${STOCK_PORT}" PGDATABASE=postgres "${VENV}/bin/python" "${ROOT}/bench/bench.py" \
    --size "$SIZE" --out "$OUT" --upserts-only
stop_stock
PGDATABASE=postgres "${VENV}/bin/python" "${ROOT}/bench/bench.py" --size "$SIZE" --out "$OUT"
echo "report: ${OUT}/report.md"
# The full run also profiles each single-answer write path with perf (profile.md: where the
# CPU time of one write goes).
if [ "$SIZE" = full ]; then
    if ! command -v perf >/dev/null; then
        log "installing linux-perf for the profile"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null
    fi
    PGDATABASE=postgres "${VENV}/bin/python" "${ROOT}/bench/profile.py" --out "${OUT}/profile.md"
fi
# The full run also runs the concurrency stress test for a minute per isolation level (the test
# command runs it for seconds).
if [ "$SIZE" = full ]; then
    STRESS_SECONDS="${STRESS_SECONDS:-60}" bash "${ROOT}/tests/stress.sh"
fi
