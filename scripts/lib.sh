#!/usr/bin/env bash
# Shared set-up steps of the demo, test and benchmark commands. Every step is idempotent, so the
# commands work on a fresh Debian bookworm machine and on re-runs alike.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_MAJOR="${PG_MAJOR:-15}"
PG_BIN="/usr/lib/postgresql/${PG_MAJOR}/bin"
PG_CONFIG="${PG_CONFIG:-${PG_BIN}/pg_config}"
PGRX_VERSION="0.18.0"
# A private cluster of the project's own, owned by the postgres OS user (PostgreSQL refuses
# to run as root), on its own port so it never touches a system cluster.
RUN_DIR="${PGSEG_RUN_DIR:-/var/tmp/pg_segment}"
PGPORT="${PGSEG_PORT:-5499}"
export PGHOST="${RUN_DIR}/socket" PGPORT PGUSER=postgres

log() { printf '\n== %s\n' "$*" >&2; }

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres -H -- "$@"; fi
}

ensure_packages() {
    # pg_cron: the test that runs segment.refresh on a schedule, as the reference documents
    local wanted=(postgresql-${PG_MAJOR} postgresql-server-dev-${PG_MAJOR} postgresql-${PG_MAJOR}-cron
                  libclang-dev clang sudo)
    local missing=()
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# rust-toolchain.toml pins the Rust version. rustup installs it where it can reach its
# servers; on a machine that cannot, but whose stable toolchain is that very version, the
# stable toolchain is registered under the pinned name (rustup refuses to link a custom
# toolchain under a version name, so the link is made in its toolchains directory).
ensure_rust() {
    local pinned host home
    pinned=$(sed -n 's/^channel = "\(.*\)"/\1/p' "${ROOT}/rust-toolchain.toml")
    host=$(rustc +stable -vV | sed -n 's/^host: //p')
    home=$(rustup show home)
    if [ ! -e "${home}/toolchains/${pinned}-${host}" ] \
        && rustc +stable --version | grep -q "^rustc ${pinned} "; then
        log "registering the stable toolchain (Rust ${pinned}) as ${pinned}"
        ln -s "${home}/toolchains/stable-${host}" "${home}/toolchains/${pinned}-${host}"
    fi
}

ensure_pgrx() {
    if ! cargo pgrx --version 2>/dev/null | grep -q "${PGRX_VERSION}"; then
        log "installing cargo-pgrx ${PGRX_VERSION} (several minutes, once)"
        cargo install cargo-pgrx --version "${PGRX_VERSION}" --locked
    fi
    if ! grep -qs "pg${PG_MAJOR} = \"${PG_CONFIG}\"" "${PGRX_HOME:-$HOME/.pgrx}/config.toml"; then
        cargo pgrx init "--pg${PG_MAJOR}" "${PG_CONFIG}" >/dev/null
    fi
}

ensure_toolchain() {
    ensure_rust
    ensure_packages
    ensure_pgrx
}

build_and_install() {
    log "building and installing pg_segment into PostgreSQL ${PG_MAJOR}"
    (cd "$ROOT" && cargo pgrx install --release --pg-config "${PG_CONFIG}" \
        --no-default-features --features "pg${PG_MAJOR}" >/dev/null)
}

start_cluster() {
    local data="${RUN_DIR}/data-${PG_MAJOR}"
    mkdir -p "${RUN_DIR}/socket"
    chown postgres: "${RUN_DIR}" "${RUN_DIR}/socket"
    if [ ! -f "${data}/PG_VERSION" ]; then
        log "creating a PostgreSQL ${PG_MAJOR} cluster in ${data}"
        as_postgres "${PG_BIN}/initdb" -D "${data}" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # a cluster started without these settings (before pg_cron was preloaded, before the
    # predicate lock pool was raised, with the default shared_buffers) is restarted with them
    if as_postgres "${PG_BIN}/pg_ctl" -D "${data}" status >/dev/null 2>&1 \
        && [ "$(psql -X -At -d postgres -c "SELECT current_setting('shared_preload_libraries') \
                || ' ' || current_setting('max_pred_locks_per_transaction') \
                || ' ' || current_setting('shared_buffers')" 2>/dev/null)" \
             != "pg_cron 256 2GB" ]; then
        log "restarting PostgreSQL ${PG_MAJOR} with the project's settings"
        as_postgres "${PG_BIN}/pg_ctl" -D "${data}" -m fast -w stop >/dev/null
    fi
    if ! as_postgres "${PG_BIN}/pg_ctl" -D "${data}" status >/dev/null 2>&1; then
        log "starting PostgreSQL ${PG_MAJOR} on port ${PGPORT}"
        # pg_cron runs its jobs in background workers (no connection to configure).
        # SERIALIZABLE writers keep predicate locks until every transaction they overlapped has
        # ended; tests/stress.sh runs them against bulk statements that wait for table locks,
        # which the default pool (64 per connection) does not hold: the setting
        # docs/reference.md recommends for such a load ("SERIALIZABLE and predicate locks").
        # shared_buffers as a DBA sizes it on this machine (24 GB): the benchmark's million
        # clients (about 1.5 GB with their answers) are read from PostgreSQL's own cache, as
        # its hundred thousand are, so the growth it measures is the work's, not the cache's.
        as_postgres "${PG_BIN}/pg_ctl" -D "${data}" -w -l "${RUN_DIR}/postgres-${PG_MAJOR}.log" \
            -o "-p ${PGPORT} -k ${RUN_DIR}/socket -c listen_addresses='' -c max_wal_size=4GB \
                -c shared_preload_libraries=pg_cron -c cron.use_background_workers=on \
                -c max_worker_processes=16 -c max_pred_locks_per_transaction=256 \
                -c shared_buffers=2GB" start >/dev/null
    fi
}

stop_cluster() {
    as_postgres "${PG_BIN}/pg_ctl" -D "${RUN_DIR}/data-${PG_MAJOR}" -m fast stop >/dev/null 2>&1 || true
}

# psql against the private cluster, stopping at the first error.
pgsql() { psql -X -v ON_ERROR_STOP=1 -q "$@"; }

recreate_db() {
    pgsql -d postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}
