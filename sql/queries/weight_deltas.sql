-- Per answer to a question of scheme $1 whose weight the running UPDATE on segment.questions
-- changed: the client and what its score moves by, Δweight × points of the chosen option
-- (reached through the question's options, which the answers' (option_id, question_id) index
-- serves), or of the range a number answer falls in (the same index, option_id NULL), or of
-- every option a client picked for a multiple-choice question (summed per client). A client
-- has one answer per question, so with one question changed these rows are already one per
-- client.
SELECT a.client_id, (n.weight - o.weight) * op.points AS delta
FROM segment_new_rows n
JOIN segment_old_rows o ON o.question_id = n.question_id
JOIN segment.options op ON op.question_id = n.question_id
JOIN {{answers}} a ON a.option_id = op.option_id AND a.question_id = op.question_id
WHERE n.scheme_id = $1 AND n.weight <> o.weight
UNION ALL
SELECT a.client_id, (n.weight - o.weight) * r.points
FROM segment_new_rows n
JOIN segment_old_rows o ON o.question_id = n.question_id
JOIN segment.question_ranges r ON r.question_id = n.question_id
JOIN {{answers}} a ON a.option_id IS NULL AND a.question_id = n.question_id
     AND r.min_value <= a.value AND a.value < r.max_value
WHERE n.scheme_id = $1 AND n.weight <> o.weight AND n.kind = 'number'
UNION ALL
SELECT p.client_id, (n.weight - o.weight) * pg_catalog.sum(op.points)
FROM segment_new_rows n
JOIN segment_old_rows o ON o.question_id = n.question_id
JOIN segment.options op ON op.question_id = n.question_id
JOIN {{picks}} p ON p.option_id = op.option_id AND p.question_id = op.question_id
WHERE n.scheme_id = $1 AND n.weight <> o.weight AND n.kind = 'multiple'
GROUP BY p.client_id, n.question_id, n.weight, o.weight
