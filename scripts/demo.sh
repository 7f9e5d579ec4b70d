#!/usr/bin/env bash
# The main job: installs what is missing, builds and installs pg_segment into a local
# PostgreSQL 15 cluster it starts, loads the demo CRM database and shows its segments.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started=$(date +%s)
ensure_toolchain
build_and_install
start_cluster
DB=pg_segment_demo
log "loading the demo CRM database into \"${DB}\""
recreate_db "$DB"
pgsql -d "$DB" -c "CREATE EXTENSION pg_segment"
pgsql -d "$DB" -f "$ROOT/demo/crm.sql" >/dev/null
pgsql -d "$DB" -f "$ROOT/demo/schemes.sql" >/dev/null
load_started=$(date +%s%N)
pgsql -d "$DB" -f "$ROOT/demo/answers.sql"
load_ms=$(( ($(date +%s%N) - load_started) / 1000000 ))
pgsql -d "$DB" -t -A -c "SELECT 'answers loaded: ' || (SELECT count(*) FROM segment.crm_companies_answers) || ' company answers, ' || (SELECT count(*) FROM segment.crm_people_answers) || ' individual answers, scored in ${load_ms} ms'"
# a scheme scoring the companies' own data: head count and orders
pgsql -d "$DB" -f "$ROOT/demo/parameters.sql" >/dev/null
# rules on the outlet scheme: a capped group, a required question, a forced level
pgsql -d "$DB" -f "$ROOT/demo/rules.sql" >/dev/null
pgsql -d "$DB" -f "$ROOT/demo/show.sql"
log "demo done in $(( $(date +%s) - started )) s; explore it with: psql -h ${PGHOST} -p ${PGPORT} -U postgres ${DB}"
