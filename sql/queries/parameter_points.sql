-- The points of evaluated parameter values, summed per client. Given a CTE parameter_values
-- (client_id, parameter_id, value) with values in text form: a value equal to a match is
-- worth its points; else a numeric parameter's value inside a range is worth that range's
-- points; a NULL value, or one that matches nothing, is missing and worth nothing (each row
-- with its parameter's id, group and code). Defines
-- parameter_sums (client_id, parameter_score, missing): parameter_score sums weight x points,
-- NULL for a client none of whose parameters has a value; missing lists the required
-- parameters that gave no points, in display order (NULL for none).
parameter_points AS (
    SELECT v.client_id, p.parameter_id, p.group_id, p.code, p.position, p.required, p.weight,
           v.value,
           COALESCE(m.points, r.points) AS points,
           p.weight * COALESCE(m.points, r.points) AS contribution
    FROM parameter_values v
    -- (whether a parameter is numeric is worked out once per parameter, not per value: the
    -- type test in a function of its own would be called for every client)
    JOIN (SELECT p.*, p.value_type IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                                      'numeric'::regtype, 'real'::regtype,
                                      'double precision'::regtype) AS numeric
          FROM segment.parameters p) p ON p.parameter_id = v.parameter_id
    LEFT JOIN segment.parameter_matches m ON m.parameter_id = v.parameter_id
         AND m.value = v.value
    LEFT JOIN segment.parameter_ranges r ON r.parameter_id = v.parameter_id AND p.numeric
         AND r.min_value <= CAST(CASE WHEN p.numeric THEN v.value END AS numeric)
         AND CAST(CASE WHEN p.numeric THEN v.value END AS numeric) < r.max_value),
parameter_sums AS (
    SELECT client_id,
           CASE WHEN pg_catalog.bool_or(value IS NOT NULL)
                THEN pg_catalog.trim_scale(COALESCE(pg_catalog.sum(contribution), 0)) END
               AS parameter_score,
           pg_catalog.array_agg(code ORDER BY position, code COLLATE "C")
               FILTER (WHERE required AND contribution IS NULL) AS missing
    FROM parameter_points
    GROUP BY client_id)
