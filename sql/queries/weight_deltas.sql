-- Per client of scheme $1: what the running UPDATE on segment.questions moved its score by,
-- Δweight × points of the option it chose for each question whose weight changed (reached
-- through the question's options, which the answers' (option_id, question_id) index serves).
SELECT a.client_id, pg_catalog.sum((n.weight - o.weight) * op.points) AS delta
FROM segment_new_rows n
JOIN segment_old_rows o ON o.question_id = n.question_id
JOIN segment.options op ON op.question_id = n.question_id
JOIN {{answers}} a ON a.option_id = op.option_id AND a.question_id = op.question_id
WHERE n.scheme_id = $1 AND n.weight <> o.weight
GROUP BY a.client_id
