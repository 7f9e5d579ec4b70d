-- Whether a weight or points change of scheme $1 moves few of its clients (1) or not (0): fewer
-- answers (and picks) carry the change than a fifth of the rows the statistics count in the
-- assignments table $2. It reads at most that many of them, so it costs in proportion to the
-- change too. (Statistics that count no row were refreshed just before: uncounted_relations.sql.)
WITH bound AS (
    SELECT (CASE WHEN c.reltuples > 0 THEN c.reltuples / 5 ELSE 0 END)::bigint AS most
    FROM pg_catalog.pg_class c WHERE c.oid = $2)
SELECT (pg_catalog.count(*) < (SELECT most FROM bound))::integer
FROM (SELECT 1 FROM ({{per_answer}}) carried LIMIT (SELECT most FROM bound)) limited
