-- Every input of a scheme in display order with the client's value: each question with the
-- client's answer if any (an option's code, a number answer's value, the codes a
-- multiple-choice question's picks, their points added up), each parameter with its value evaluated just before
-- (parameter_values.sql's arrays, evaluated with the definer's rights) and the points it gives.
-- A parameter's value is shown only to a caller who may read the columns it is computed from.
-- $1 scheme id, $2 client. Columns: position, code, kind, weight, value, points, required,
-- hidden, group code, values (what a forced level compares with: the chosen options' codes, a
-- number answer's value, a parameter's value), whether the input counts for the client's
-- variant (listed_client_variants.sql, $6 to $8).
WITH {{parameter_values}},
{{parameter_points}},
{{client_variants}}
SELECT q.position, q.code, 'question', q.weight::text, COALESCE(o.code, a.value::text, pk.codes),
       COALESCE(o.points, r.points, pk.points)::text, q.required, false, g.code,
       CASE WHEN o.code IS NOT NULL THEN ARRAY[o.code]
            WHEN a.value IS NOT NULL THEN ARRAY[pg_catalog.trim_scale(a.value)::text]
            ELSE pk.code_list END,
       {{question_counts}}
FROM segment.questions q
LEFT JOIN segment.groups g ON g.group_id = q.group_id
LEFT JOIN {{answers}} a ON a.question_id = q.question_id AND a.client_id = CAST($2 AS {{key_type}})
LEFT JOIN segment.options o ON o.option_id = a.option_id
LEFT JOIN segment.question_ranges r ON a.option_id IS NULL AND r.question_id = a.question_id
     AND r.min_value <= a.value AND a.value < r.max_value
CROSS JOIN LATERAL (
    SELECT pg_catalog.string_agg(po.code, ', ' ORDER BY po.position, po.code) AS codes,
           pg_catalog.sum(po.points) AS points, pg_catalog.array_agg(po.code) AS code_list
    FROM {{picks}} p JOIN segment.options po ON po.option_id = p.option_id
    WHERE q.kind = 'multiple' AND p.client_id = CAST($2 AS {{key_type}})
      AND p.question_id = q.question_id) pk
WHERE q.scheme_id = $1
UNION ALL
SELECT pp.position, pp.code, 'parameter', pp.weight::text,
       CASE WHEN v.visible THEN pp.value END, pp.points::text, pp.required, NOT v.visible,
       g.code, CASE WHEN pp.value IS NOT NULL THEN ARRAY[pp.value] END, {{parameter_counts}}
FROM parameter_points pp
JOIN segment.parameters p ON p.scheme_id = $1 AND p.code = pp.code
LEFT JOIN segment.groups g ON g.group_id = p.group_id
CROSS JOIN LATERAL (
    SELECT COALESCE(pg_catalog.bool_and(pg_catalog.has_column_privilege(
               COALESCE(p.source, (SELECT e.client_table FROM segment.entities e
                                   JOIN segment.schemes s ON s.entity_id = e.entity_id
                                   WHERE s.scheme_id = $1)), c, 'SELECT')), true) AS visible
    FROM pg_catalog.unnest(pg_catalog.array_remove(p.columns || p.client_column, NULL)) AS c) v
ORDER BY 1, 2
