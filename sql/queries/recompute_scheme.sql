-- Re-segments every client of a scheme from scratch: scores from the answers (an option's
-- points, or those of the range a number answer falls in), the picks of multiple-choice
-- questions (each chosen option's points; each pick counts as an answer) and from the
-- parameter values evaluated just before (parameter_values.sql's arrays; empty for a scheme
-- without parameters), segments from the levels; one history row per changed client. $1
-- scheme id, $2 cause. Returns how many clients changed.
WITH old AS (
    SELECT client_id, score, answered, segment, parameter_score, missing
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
           CASE WHEN c.missing IS NULL THEN l.name END AS segment
    FROM calc c
    LEFT JOIN segment.levels l ON l.scheme_id = $1
         AND l.min_score <= c.score AND c.score < l.max_score),
diff AS MATERIALIZED (
    SELECT COALESCE(f.client_id, o.client_id) AS client_id,
           o.score AS old_score, o.segment AS old_segment,
           f.score AS new_score, f.segment AS new_segment, f.answered,
           f.parameter_score, f.missing,
           f.client_id IS NOT NULL AS present
    FROM fresh f FULL JOIN old o ON o.client_id = f.client_id
    WHERE f.client_id IS NULL OR o.client_id IS NULL OR f.answered <> o.answered
       OR f.score <> o.score OR f.segment IS DISTINCT FROM o.segment
       OR f.parameter_score IS DISTINCT FROM o.parameter_score
       OR f.missing IS DISTINCT FROM o.missing),
version AS (SELECT version FROM segment.schemes WHERE scheme_id = $1),
upserted AS (
    INSERT INTO {{assignments}} AS s (scheme_id, client_id, score, answered, segment, version,
                                      assigned_at, previous_score, previous_segment,
                                      parameter_score, missing)
    SELECT $1, d.client_id, d.new_score, d.answered, d.new_segment, v.version, pg_catalog.now(),
           d.old_score, d.old_segment, d.parameter_score, d.missing
    FROM diff d, version v
    WHERE d.present
    ON CONFLICT (scheme_id, client_id) DO UPDATE SET
        score = EXCLUDED.score, answered = EXCLUDED.answered, segment = EXCLUDED.segment,
        version = EXCLUDED.version, assigned_at = EXCLUDED.assigned_at,
        previous_score = s.score, previous_segment = s.segment,
        parameter_score = EXCLUDED.parameter_score, missing = EXCLUDED.missing),
removed AS (
    DELETE FROM {{assignments}} s USING diff d
    WHERE NOT d.present AND s.scheme_id = $1 AND s.client_id = d.client_id),
logged AS (
    INSERT INTO {{history}} (scheme_id, client_id, old_score, new_score, old_segment,
                             new_segment, cause, version)
    SELECT $1, d.client_id, d.old_score, d.new_score, d.old_segment, d.new_segment, $2, v.version
    FROM diff d, version v
    WHERE d.old_score IS DISTINCT FROM d.new_score OR d.old_segment IS DISTINCT FROM d.new_segment
    ORDER BY d.client_id)
SELECT pg_catalog.count(*) FROM diff
