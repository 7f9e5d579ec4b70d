-- Per client of scheme $1: what the running UPDATE on segment.options moved its score by,
-- weight × Δpoints for each chosen option whose points changed.
SELECT a.client_id, pg_catalog.sum(q.weight * (n.points - o.points)) AS delta
FROM segment_new_rows n
JOIN segment_old_rows o ON o.option_id = n.option_id
JOIN segment.questions q ON q.question_id = n.question_id
JOIN {{answers}} a ON a.option_id = n.option_id AND a.question_id = n.question_id
WHERE q.scheme_id = $1 AND n.points <> o.points
GROUP BY a.client_id
