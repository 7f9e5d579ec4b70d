-- Per answer (or pick of a multiple-choice question) that chose an option of scheme $1 whose
-- points the running UPDATE on segment.options changed: the client and what its score moves
-- by, weight × Δpoints. A client chooses an option at most once, so with one option changed
-- these rows are already one per client.
SELECT a.client_id, q.weight * (n.points - o.points) AS delta
FROM segment_new_rows n
JOIN segment_old_rows o ON o.option_id = n.option_id
JOIN segment.questions q ON q.question_id = n.question_id
JOIN {{answers}} a ON a.option_id = n.option_id AND a.question_id = n.question_id
WHERE q.scheme_id = $1 AND n.points <> o.points
UNION ALL
SELECT p.client_id, q.weight * (n.points - o.points)
FROM segment_new_rows n
JOIN segment_old_rows o ON o.option_id = n.option_id
JOIN segment.questions q ON q.question_id = n.question_id
JOIN {{picks}} p ON p.option_id = n.option_id AND p.question_id = n.question_id
WHERE q.scheme_id = $1 AND n.points <> o.points
