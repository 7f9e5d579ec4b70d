-- What recompute_ruled.sql reads when it re-scores some clients: their answers, picks,
-- assignments and client rows only, found by key ($6, text forms of the keys).
scope_keys AS MATERIALIZED (
    SELECT DISTINCT CAST(k AS {{key_type}}) AS client_id
    FROM pg_catalog.unnest(CAST($6 AS text[])) AS k),
scope_answers AS NOT MATERIALIZED (
    SELECT a.* FROM {{answers}} a WHERE a.client_id IN (SELECT client_id FROM scope_keys)),
scope_picks AS NOT MATERIALIZED (
    SELECT p.* FROM {{picks}} p WHERE p.client_id IN (SELECT client_id FROM scope_keys)),
scope_assignments AS NOT MATERIALIZED (
    SELECT s.* FROM {{assignments}} s WHERE s.client_id IN (SELECT client_id FROM scope_keys)),
scope_client_rows AS NOT MATERIALIZED (
    SELECT c.* FROM {{client_table}} c
    WHERE c.{{key_column}} IN (SELECT client_id FROM scope_keys))
