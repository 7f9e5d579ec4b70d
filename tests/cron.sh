#!/usr/bin/env bash
# segment.refresh on a schedule, as docs/reference.md documents it: pg_cron (the Debian package,
# preloaded by scripts/lib.sh's start_cluster) runs the job; a parameter that depends on time
# (here a date the test controls through a stable function) goes stale when the date moves on,
# and the scheduled refresh makes every assignment agree with a recompute again.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
DB=pg_segment_cron
recreate_db "$DB"
pgsql -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION pg_segment;
CREATE SCHEMA shop;
CREATE TABLE shop.clock (today date NOT NULL);
INSERT INTO shop.clock VALUES ('2026-11-30');
CREATE FUNCTION shop.today() RETURNS date LANGUAGE sql STABLE RETURN (SELECT today FROM shop.clock);
CREATE TABLE shop.customers (id integer PRIMARY KEY);
INSERT INTO shop.customers SELECT generate_series(1, 20);
CREATE TABLE shop.orders (customer integer, ordered_at date);
INSERT INTO shop.orders SELECT 1 + g % 20, DATE '2026-11-01' + g % 29 FROM generate_series(0, 99) g;
SELECT segment.create_scheme('recency', 'shop.customers');
SELECT segment.add_level('recency', 'lapsed', '-Infinity', 1);
SELECT segment.add_level('recency', 'active', 1, 'Infinity');
SELECT segment.add_parameter('recency', 'days', 'Days since the last order',
    'shop.today() - max(ordered_at)', source => 'shop.orders', client_column => 'customer');
SELECT segment.add_range('recency', 'days', 0, 30, 1);
SQL
status=0
check() { # description, expected, actual
    if [ "$2" = "$3" ]; then echo "ok: $1"; else echo "FAILED: $1: expected [$2], got [$3]"; status=1; fi
}
q() { pgsql -d "$DB" -At -c "$1"; }
check "every client active on 30 November" "20" "$(q "SELECT clients FROM segment.distribution('recency') WHERE segment = 'active'")"

# A month passes: nothing was written, so the stored segments are stale until a refresh.
q "UPDATE shop.clock SET today = '2026-12-31'" >/dev/null
check "stale after the date moved on" "20" "$(q "SELECT count(*) FROM segment.verify('recency')")"

pgsql -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null
job=$(pgsql -d postgres -At -c "SELECT cron.schedule_in_database('pg_segment refresh recency', \
    '* * * * *', \$\$SELECT segment.refresh('recency')\$\$, '${DB}')")
echo "scheduled job ${job}; waiting for its first run (pg_cron runs jobs on the minute)"
for _ in $(seq 1 90); do
    ran=$(pgsql -d postgres -At -c "SELECT status FROM cron.job_run_details WHERE jobid = ${job} \
        AND status IN ('succeeded', 'failed') ORDER BY runid DESC LIMIT 1")
    [ -n "$ran" ] && break
    sleep 1
done
pgsql -d postgres -At -c "SELECT cron.unschedule(${job})" >/dev/null
check "the scheduled refresh ran" "succeeded" "$ran"
check "every assignment agrees after it" "0" "$(q "SELECT count(*) FROM segment.verify('recency')")"
check "every client lapsed, by a refresh" "20|20" \
    "$(q "SELECT (SELECT clients FROM segment.distribution('recency') WHERE segment = 'lapsed'), \
                 (SELECT count(*) FROM segment.shop_customers_history WHERE cause = 'refresh')")"
exit $status
