#!/usr/bin/env bash
# Runs the benchmark suite against a local PostgreSQL 15 and writes bench/results/ (report.md,
# results.json, chart.png), then the concurrency stress test at length. `bench/run.sh --size smoke` is the seconds-long version the test
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
PGDATABASE=postgres "${VENV}/bin/python" "${ROOT}/bench/bench.py" --size "$SIZE" --out "$OUT"
echo "report: ${OUT}/report.md"
# The full run also runs the concurrency stress test for a minute per isolation level (the test
# command runs it for seconds).
if [ "$SIZE" = full ]; then
    STRESS_SECONDS="${STRESS_SECONDS:-60}" bash "${ROOT}/tests/stress.sh"
fi
