-- Every question of a scheme in display order, with the client's answer if any.
-- $1 scheme id, $2 client.
SELECT q.position, q.code, q.weight::text, o.code, o.points::text
FROM segment.questions q
LEFT JOIN {{answers}} a ON a.question_id = q.question_id AND a.client_id = CAST($2 AS {{key_type}})
LEFT JOIN segment.options o ON o.option_id = a.option_id
WHERE q.scheme_id = $1
ORDER BY q.position, q.code
