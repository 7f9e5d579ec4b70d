-- For segment.verify: every client with answers or an assignment in a scheme, with its stored
-- assignment and one row per question of the scheme (its answer, if any), ordered by client
-- so the engine can recompute each client from scratch. $1 scheme id.
WITH clients AS (
    SELECT a.client_id FROM {{answers}} a
    JOIN segment.questions q ON q.question_id = a.question_id AND q.scheme_id = $1
    UNION
    SELECT client_id FROM {{assignments}} WHERE scheme_id = $1)
SELECT c.client_id::text, s.client_id IS NOT NULL, s.score::text, s.segment,
       q.position, q.code, q.weight::text, o.code, o.points::text, s.answered
FROM clients c
LEFT JOIN {{assignments}} s ON s.scheme_id = $1 AND s.client_id = c.client_id
CROSS JOIN segment.questions q
LEFT JOIN {{answers}} a ON a.client_id = c.client_id AND a.question_id = q.question_id
LEFT JOIN segment.options o ON o.option_id = a.option_id
WHERE q.scheme_id = $1
ORDER BY c.client_id, q.position, q.code
