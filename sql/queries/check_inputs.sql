-- The inputs of scheme $1 with the values of one golden-set case ($2, a JSON object with
-- "answers": {question code: option code | [option codes] | number} and "parameters":
-- {parameter code: value}), for the engine to score: one row per question and parameter in
-- display order, with the case's value in text form, its points, and what is wrong with it
-- (an unknown option code, a value of the wrong JSON type), NULL when nothing is. A parameter's
-- value matches in its text form (booleans are true/false; an integer's or numeric's without
-- trailing zeros), else a number falls in a range.
-- Columns: position, code, kind, weight, value, points, required, problem, group code, values
-- (what a forced level compares with, as explain_inputs.sql gives them), whether the input
-- counts for the case's variant ("variant": a variant's code; every input counts in a scheme
-- that selects no variants).
WITH answers AS (
    SELECT q.question_id, q.position, q.code, q.kind, q.weight, q.required, q.group_id, g.given,
           -- (cast only what is a JSON number: a join condition is not evaluated in order)
           CASE WHEN pg_catalog.jsonb_typeof(g.given) = 'number' THEN (g.given #>> '{}')::numeric END
               AS number
    FROM segment.questions q CROSS JOIN LATERAL (SELECT $2 -> 'answers' -> q.code AS given) g
    WHERE q.scheme_id = $1),
parameter_values AS (
    SELECT p.parameter_id, p.position, p.code, p.weight, p.required, p.group_id, g.given,
           CASE WHEN pg_catalog.jsonb_typeof(g.given) = 'number' THEN (g.given #>> '{}')::numeric END
               AS number,
           p.value_type IN ('smallint'::pg_catalog.regtype, 'integer', 'bigint', 'numeric', 'real',
                            'double precision') AS numeric,
           -- (an integer's or numeric's text form, as evaluated: without trailing zeros; a JSON
           -- number, or a string that spells one)
           CASE WHEN p.value_type IN ('smallint'::pg_catalog.regtype, 'integer', 'bigint', 'numeric')
                     AND (pg_catalog.jsonb_typeof(g.given) = 'number'
                          OR (pg_catalog.jsonb_typeof(g.given) = 'string'
                              AND g.given #>> '{}' ~ '^ *[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,4})? *$'))
                THEN pg_catalog.trim_scale((g.given #>> '{}')::numeric)::text
                ELSE g.given #>> '{}' END AS given_text
    FROM segment.parameters p CROSS JOIN LATERAL (SELECT $2 -> 'parameters' -> p.code AS given) g
    WHERE p.scheme_id = $1)
SELECT a.position, a.code, 'question', a.weight::text,
       CASE a.kind WHEN 'multiple' THEN pk.codes ELSE a.given #>> '{}' END,
       (CASE a.kind WHEN 'single' THEN o.points WHEN 'number' THEN r.points ELSE pk.points END)::text,
       a.required,
       CASE
           WHEN a.given IS NULL OR a.given = 'null'::jsonb THEN NULL
           WHEN a.kind = 'single' AND pg_catalog.jsonb_typeof(a.given) <> 'string'
               THEN 'it must be an option code (a JSON string)'
           WHEN a.kind = 'single' AND o.option_id IS NULL
               THEN pg_catalog.format('the question has no option "%s"', a.given #>> '{}')
           WHEN a.kind = 'multiple' AND pg_catalog.jsonb_typeof(a.given) <> 'array'
               THEN 'it must be an array of option codes'
           WHEN a.kind = 'multiple' AND pk.unknown IS NOT NULL
               THEN pg_catalog.format('the question has no option "%s"', pk.unknown)
           WHEN a.kind = 'number' AND pg_catalog.jsonb_typeof(a.given) <> 'number'
               THEN 'it must be a number'
       END,
       (SELECT gr.code FROM segment.groups gr WHERE gr.group_id = a.group_id),
       CASE a.kind WHEN 'single' THEN CASE WHEN o.code IS NOT NULL THEN ARRAY[o.code] END
                   WHEN 'number' THEN CASE WHEN a.number IS NOT NULL
                                           THEN ARRAY[pg_catalog.trim_scale(a.number)::text] END
                   ELSE pk.code_list END,
       NOT EXISTS (SELECT 1 FROM segment.variant_columns vc WHERE vc.scheme_id = $1)
       OR NOT EXISTS (SELECT 1 FROM segment.variant_items vi WHERE vi.question_id = a.question_id)
       OR EXISTS (SELECT 1 FROM segment.variant_items vi
                  JOIN segment.variants v ON v.variant_id = vi.variant_id
                  WHERE vi.question_id = a.question_id AND v.code = $2 ->> 'variant')
FROM answers a
LEFT JOIN segment.options o ON a.kind = 'single' AND o.question_id = a.question_id
     AND pg_catalog.jsonb_typeof(a.given) = 'string' AND o.code = a.given #>> '{}'
LEFT JOIN segment.question_ranges r ON a.kind = 'number' AND r.question_id = a.question_id
     AND r.min_value <= a.number AND a.number < r.max_value
LEFT JOIN LATERAL (
    SELECT CASE WHEN pg_catalog.count(*) > 0
                THEN pg_catalog.string_agg(po.code, ', ' ORDER BY po.position, po.code) END AS codes,
           pg_catalog.sum(po.points) AS points,
           pg_catalog.min(c.code) FILTER (WHERE po.option_id IS NULL) AS unknown,
           pg_catalog.array_agg(po.code) FILTER (WHERE po.option_id IS NOT NULL) AS code_list
    FROM (SELECT DISTINCT c.code
          FROM pg_catalog.jsonb_array_elements_text(
                   CASE WHEN a.kind = 'multiple' AND pg_catalog.jsonb_typeof(a.given) = 'array'
                        THEN a.given ELSE '[]' END) c(code)) c
    LEFT JOIN segment.options po ON po.question_id = a.question_id AND po.code = c.code
    ) pk ON a.kind = 'multiple' AND pg_catalog.jsonb_typeof(a.given) = 'array'
UNION ALL
SELECT v.position, v.code, 'parameter', v.weight::text,
       CASE WHEN v.given IS NULL OR v.given = 'null'::jsonb THEN NULL ELSE v.given_text END,
       COALESCE(m.points, r.points)::text, v.required,
       CASE WHEN pg_catalog.jsonb_typeof(v.given) IN ('object', 'array')
            THEN 'it must be a JSON string, number or boolean' END,
       (SELECT gr.code FROM segment.groups gr WHERE gr.group_id = v.group_id),
       CASE WHEN v.given IS NOT NULL AND v.given <> 'null'::jsonb THEN ARRAY[v.given_text] END,
       NOT EXISTS (SELECT 1 FROM segment.variant_columns vc WHERE vc.scheme_id = $1)
       OR NOT EXISTS (SELECT 1 FROM segment.variant_items vi WHERE vi.parameter_id = v.parameter_id)
       OR EXISTS (SELECT 1 FROM segment.variant_items vi
                  JOIN segment.variants va ON va.variant_id = vi.variant_id
                  WHERE vi.parameter_id = v.parameter_id AND va.code = $2 ->> 'variant')
FROM parameter_values v
LEFT JOIN segment.parameter_matches m ON m.parameter_id = v.parameter_id
     AND pg_catalog.jsonb_typeof(v.given) IN ('string', 'number', 'boolean')
     AND m.value = v.given_text
LEFT JOIN segment.parameter_ranges r ON r.parameter_id = v.parameter_id AND v.numeric
     AND r.min_value <= v.number AND v.number < r.max_value
ORDER BY 1, 2
