-- Every input of a scheme in display order with the client's value: each question with the
-- client's answer if any, each parameter with its value evaluated just before
-- (parameter_values.sql's arrays) and the points it gives. $1 scheme id, $2 client.
-- Columns: position, code, kind, weight, value, points, required.
WITH {{parameter_values}},
{{parameter_points}}
SELECT q.position, q.code, 'question', q.weight::text, o.code, o.points::text, false
FROM segment.questions q
LEFT JOIN {{answers}} a ON a.question_id = q.question_id AND a.client_id = CAST($2 AS {{key_type}})
LEFT JOIN segment.options o ON o.option_id = a.option_id
WHERE q.scheme_id = $1
UNION ALL
SELECT pp.position, pp.code, 'parameter', pp.weight::text, pp.value, pp.points::text, pp.required
FROM parameter_points pp
ORDER BY 1, 2
