-- Per client: the sum of the per-answer deltas, for a statement that changed several questions
-- or options (a client may carry more than one of them).
SELECT per_answer.client_id, pg_catalog.sum(per_answer.delta) AS delta
FROM ({{per_answer}}) per_answer
GROUP BY per_answer.client_id
