-- Re-segments every client of a scheme from scratch: scores from the answers (an option's
-- points, or those of the range a number answer falls in), the picks of multiple-choice
-- questions (each chosen option's points; each pick counts as an answer) and from the
-- parameter values evaluated just before (parameter_values.sql's arrays; empty for a scheme
-- without parameters), segments from the levels; one history row per changed client. $1
-- scheme id, $2 cause. Returns how many clients changed. (A level a rule forced while the
-- scheme was ruled goes: recompute_ruled.sql scores ruled schemes.)
WITH old AS (
    SELECT client_id, score, answered, segment, parameter_score, missing, forced
    FROM {{assignments}} WHERE scheme_id = $1),
answer_sums AS (
    SELECT a.client_id, pg_catalog.sum(q.weight * COALESCE(o.points, r.points, 0)) AS score,
           pg_catalog.count(*)::integer AS answered
    FROM (SELECT client_id, question_id, option_id, value FROM {{answers}}
          UNION ALL
          SELECT client_id, question_id, option_id, NULL FROM {{picks}}) a
    JOIN segment.questions q ON q.question_id = a.question_id
    LEFT JOIN segment.options o ON o.option_id = a.option_id
    LEFT JOIN segment.question_ranges r ON a.option_id IS NULL AND r.question_id = a.question_id
         AND r.min_value <= a.value AND a.value < r.max_value
    WHERE q.scheme_id = $1
    GROUP BY a.client_id),
{{parameter_values}},
{{parameter_points}},
calc AS (
    SELECT COALESCE(a.client_id, p.client_id) AS client_id,
           pg_catalog.trim_scale(COALESCE(a.score, 0) + COALESCE(p.parameter_score, 0)) AS score,
           COALESCE(a.answered, 0) AS answered, p.parameter_score, p.missing
    FROM answer_sums a FULL JOIN parameter_sums p ON p.client_id = a.client_id
    WHERE a.client_id IS NOT NULL OR p.parameter_score IS NOT NULL),
fresh AS (
    SELECT c.client_id, c.score, c.answered, c.parameter_score, c.missing,
           NULL::text AS forced, CASE WHEN c.missing IS NULL THEN l.name END AS segment
    FROM calc c
    LEFT JOIN segment.levels l ON l.scheme_id = $1
         AND l.min_score <= c.score AND c.score < l.max_score),
{{write_recomputed}}
