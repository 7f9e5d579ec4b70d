-- parameter_values.sql's CTE for a scheme without parameters, with no rows.
parameter_values AS (
    SELECT CAST(NULL AS {{key_type}}) AS client_id, NULL::integer AS parameter_id,
           NULL::text AS value
    WHERE false)
