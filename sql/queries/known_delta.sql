-- The delta statement when the engine already knows the change (one answer of one client):
-- $1 scheme id, $2 cause, $3 score delta, $4 answered delta, $5 scheme version; the client
-- comes from the part changed_client: the one transition row, or given_client.sql. Returns the
-- clients whose assignment was left without answers (text forms, NULL for none).
WITH deltas AS (
    SELECT $1::integer AS scheme_id, r.client_id, $5::integer AS version,
           $3::numeric AS delta, $4::integer AS answered
    FROM {{changed_client}} r),
{{apply_deltas}}
SELECT pg_catalog.array_agg(CAST(client_id AS text)) FROM applied
WHERE answered <= 0 AND parameter_score IS NULL
