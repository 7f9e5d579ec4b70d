-- For segment.verify: every client with answers, a parameter value or an assignment in a
-- scheme, with its stored assignment and one row per input of the scheme: each question (its
-- answer, if any: an option's code, a number answer's value, a multiple-choice question's
-- picked codes) and each parameter (its value evaluated just before, parameter_values.sql's
-- arrays, and the points it gives), ordered by client so the engine can recompute each
-- client from scratch. $1 scheme id ($2 unused). Columns: client, whether assigned, stored
-- score, stored segment, position, code, weight, value, points, stored answered, kind,
-- required, stored status, answer rows (1 for an answer, the number of picks of a
-- multiple-choice question: each counts in answered), group code, values (what a forced level
-- compares with, as explain_inputs.sql gives them), whether the input counts for the client's
-- variant, whether the client's variant is known (always, without variants), and the variant
-- whose levels segment it (NULL: the scheme's); clients' variants listed in $6 to $8
-- (listed_client_variants.sql).
WITH {{parameter_values}},
{{parameter_points}},
{{client_variants}},
clients AS (
    SELECT a.client_id FROM {{answers}} a
    JOIN segment.questions q ON q.question_id = a.question_id AND q.scheme_id = $1
    UNION
    SELECT p.client_id FROM {{picks}} p
    JOIN segment.questions q ON q.question_id = p.question_id AND q.scheme_id = $1
    UNION
    SELECT client_id FROM {{assignments}} WHERE scheme_id = $1
    UNION
    SELECT client_id FROM parameter_points WHERE value IS NOT NULL),
inputs AS (
    SELECT c.client_id, q.position, q.code, 'question' AS kind, q.weight,
           COALESCE(o.code, a.value::text, pk.codes) AS value,
           COALESCE(o.points, r.points, pk.points) AS points, q.required,
           CASE WHEN a.client_id IS NOT NULL THEN 1 ELSE pk.picked END AS answer_rows,
           q.group_id,
           CASE WHEN o.code IS NOT NULL THEN ARRAY[o.code]
                WHEN a.value IS NOT NULL THEN ARRAY[pg_catalog.trim_scale(a.value)::text]
                ELSE pk.code_list END AS code_list,
           {{question_counts}} AS counts
    FROM clients c
    LEFT JOIN client_variants cv ON cv.client_id = c.client_id
    CROSS JOIN segment.questions q
    LEFT JOIN {{answers}} a ON a.client_id = c.client_id AND a.question_id = q.question_id
    LEFT JOIN segment.options o ON o.option_id = a.option_id
    LEFT JOIN segment.question_ranges r ON a.option_id IS NULL AND r.question_id = a.question_id
         AND r.min_value <= a.value AND a.value < r.max_value
    CROSS JOIN LATERAL (
        SELECT pg_catalog.string_agg(po.code, ', ' ORDER BY po.position, po.code) AS codes,
               pg_catalog.sum(po.points) AS points, pg_catalog.count(*)::integer AS picked,
               pg_catalog.array_agg(po.code) AS code_list
        FROM {{picks}} p JOIN segment.options po ON po.option_id = p.option_id
        WHERE q.kind = 'multiple' AND p.client_id = c.client_id
          AND p.question_id = q.question_id) pk
    WHERE q.scheme_id = $1
    UNION ALL
    SELECT pp.client_id, pp.position, pp.code, 'parameter', pp.weight, pp.value, pp.points,
           pp.required, 0, pp.group_id, CASE WHEN pp.value IS NOT NULL THEN ARRAY[pp.value] END,
           {{parameter_counts}}
    FROM parameter_points pp JOIN clients c ON c.client_id = pp.client_id
    LEFT JOIN client_variants cv ON cv.client_id = pp.client_id)
SELECT c.client_id::text, s.client_id IS NOT NULL, s.score::text, s.segment,
       i.position, i.code, i.weight::text, i.value, i.points::text, s.answered, i.kind,
       i.required, s.status, i.answer_rows, g.code, i.code_list, i.counts,
       {{variant_matched}}, lv.code
FROM clients c
LEFT JOIN {{assignments}} s ON s.scheme_id = $1 AND s.client_id = c.client_id
JOIN inputs i ON i.client_id = c.client_id
LEFT JOIN segment.groups g ON g.group_id = i.group_id
LEFT JOIN client_variants cv ON cv.client_id = c.client_id
LEFT JOIN segment.variants lv ON lv.variant_id = cv.level_variant
ORDER BY c.client_id, i.position, i.code
