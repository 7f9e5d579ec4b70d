-- parameter_points.sql's two CTEs for a scheme without parameters, with no rows (a statement
-- that scores such a scheme starts no executor nodes for them).
parameter_points AS (
    SELECT CAST(NULL AS {{key_type}}) AS client_id, NULL::integer AS parameter_id,
           NULL::integer AS group_id, NULL::text AS code, NULL::integer AS position,
           NULL::boolean AS required, NULL::numeric AS weight, NULL::text AS value,
           NULL::numeric AS points, NULL::numeric AS contribution
    WHERE false),
parameter_sums AS (
    SELECT CAST(NULL AS {{key_type}}) AS client_id, NULL::numeric AS parameter_score,
           NULL::text[] AS missing
    WHERE false)
