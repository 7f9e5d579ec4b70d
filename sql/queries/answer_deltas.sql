-- The set-based delta statement of the answers trigger, for any number of answer rows: each
-- new row adds weight × points of its option, each old row takes them away, summed per scheme
-- and client so a bulk statement touches each client once. Weight × points is worked out once
-- per option, not once per row (numeric products are what a million-row load spends most on).
-- $1 entity id, $2 cause. Returns the first question of the new rows that belongs to a scheme
-- over another client table (or NULL), and the clients whose assignment was left without
-- answers (text forms, NULL for none).
WITH changes AS NOT MATERIALIZED ({{changes}}),
weighted AS MATERIALIZED (
    SELECT o.option_id, q.scheme_id, sc.version, q.weight * o.points AS points,
           -(q.weight * o.points) AS negative
    FROM segment.options o
    JOIN segment.questions q ON q.question_id = o.question_id
    JOIN segment.schemes sc ON sc.scheme_id = q.scheme_id AND sc.entity_id = $1),
deltas AS (
    SELECT w.scheme_id, c.client_id, w.version,
           pg_catalog.sum(CASE WHEN c.sign > 0 THEN w.points ELSE w.negative END) AS delta,
           pg_catalog.sum(c.sign)::integer AS answered
    FROM changes c JOIN weighted w ON w.option_id = c.option_id
    GROUP BY w.scheme_id, c.client_id, w.version),
{{apply_deltas}}
SELECT (SELECT pg_catalog.min(c.question_id) FROM changes c
        JOIN segment.questions q ON q.question_id = c.question_id
        JOIN segment.schemes sc ON sc.scheme_id = q.scheme_id
        WHERE c.sign > 0 AND sc.entity_id <> $1),
       (SELECT pg_catalog.array_agg(CAST(client_id AS text)) FROM applied
        WHERE answered <= 0 AND parameter_score IS NULL)
