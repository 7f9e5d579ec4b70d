-- Evaluated parameter values passed as three text arrays, one element per client and
-- parameter: $3 the clients' keys, $4 the parameters' ids, $5 the values.
parameter_values AS (
    SELECT CAST(v.client AS {{key_type}}) AS client_id,
           CAST(v.parameter_id AS integer) AS parameter_id, v.value
    FROM ROWS FROM (pg_catalog.unnest(CAST($3 AS text[])), pg_catalog.unnest(CAST($4 AS text[])),
                    pg_catalog.unnest(CAST($5 AS text[]))) AS v(client, parameter_id, value))
