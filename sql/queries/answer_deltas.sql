-- The set-based delta statement of the answers trigger, for any number of answer rows: each
-- new row adds weight × points of its option (of a number question: of the range its value
-- falls in, none for no range), each old row takes them away, summed per scheme and client so
-- a bulk statement touches each client once. Weight × points is worked out once per option,
-- not once per row (numeric products are what a million-row load spends most on). $1 entity
-- id, $2 cause. Returns the first question of the new rows that belongs to a scheme over
-- another client table (or NULL), the clients whose assignment was left without answers (text
-- forms, NULL for none), the first question of the new value rows that is not a number
-- question of this client table (or NULL), and the first question of the new option rows that
-- is not of kind $3 (the answers table's options answer 'single' questions, the picks table's
-- 'multiple' ones; or NULL). Only schemes scored by sums get deltas (linear_scheme.sql): the
-- answers trigger recomputes a ruled scheme's answered clients afterwards; drafts get none
-- (answers to their questions are kept but score nobody).
WITH changes AS NOT MATERIALIZED ({{changes}}),
weighted AS MATERIALIZED (
    SELECT o.option_id, q.scheme_id, sc.version, q.weight * o.points AS points,
           -(q.weight * o.points) AS negative, q.kind, {{linear_scheme}} AS linear
    FROM segment.options o
    JOIN segment.questions q ON q.question_id = o.question_id
    JOIN segment.schemes sc ON sc.scheme_id = q.scheme_id AND sc.entity_id = $1
         AND sc.draft_of IS NULL),
valued AS (
    SELECT q.scheme_id, c.client_id, sc.version,
           c.sign * COALESCE(q.weight * r.points, 0) AS delta, c.sign
    FROM changes c
    JOIN segment.questions q ON q.question_id = c.question_id AND q.kind = 'number'
    JOIN segment.schemes sc ON sc.scheme_id = q.scheme_id AND sc.entity_id = $1
         AND sc.draft_of IS NULL
    LEFT JOIN segment.question_ranges r ON r.question_id = q.question_id
         AND r.min_value <= c.value AND c.value < r.max_value
    WHERE c.option_id IS NULL AND {{linear_scheme}}),
deltas AS (
    SELECT d.scheme_id, d.client_id, d.version, pg_catalog.sum(d.delta) AS delta,
           pg_catalog.sum(d.sign)::integer AS answered
    FROM (SELECT w.scheme_id, c.client_id, w.version,
                 CASE WHEN c.sign > 0 THEN w.points ELSE w.negative END AS delta, c.sign
          FROM changes c JOIN weighted w ON w.option_id = c.option_id
          WHERE w.linear
          UNION ALL
          SELECT scheme_id, client_id, version, delta, sign FROM valued) d
    GROUP BY d.scheme_id, d.client_id, d.version),
{{apply_deltas}}
SELECT (SELECT pg_catalog.min(c.question_id) FROM changes c
        JOIN segment.questions q ON q.question_id = c.question_id
        JOIN segment.schemes sc ON sc.scheme_id = q.scheme_id
        WHERE c.sign > 0 AND sc.entity_id <> $1),
       (SELECT pg_catalog.array_agg(CAST(client_id AS text)) FROM applied
        WHERE answered <= 0 AND parameter_score IS NULL),
       (SELECT pg_catalog.min(c.question_id) FROM changes c
        WHERE c.sign > 0 AND c.option_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM segment.questions q
                          JOIN segment.schemes sc ON sc.scheme_id = q.scheme_id
                          WHERE q.question_id = c.question_id AND q.kind = 'number'
                            AND sc.entity_id = $1)),
       (SELECT pg_catalog.min(c.question_id) FROM changes c
        WHERE c.sign > 0
          AND c.option_id IN (SELECT w.option_id FROM weighted w WHERE w.kind <> $3))
