-- Re-segments clients of a ruled scheme (linear_scheme.sql: groups, required questions,
-- forced levels or variants) from scratch: every client of the scheme or, in the clients
-- scope, those $6 lists. An input counts for a client when it applies to the client's variant
-- (client_variants: attached to it, or to no variant; every input when the scheme selects no
-- variants); the answers to others are kept and counted in answered, but give nothing. Each
-- counting input's weighted points (an option's, a number answer's range's, each pick's, a
-- parameter's from parameter_values.sql's arrays, evaluated just before) are summed per group;
-- a group's sum is clamped to its bounds, inputs in no group add up as they are. The segment
-- is the level of the first forced level the client's counting values meet (status forced),
-- else NULL while a required counting input is lacking (missing lists them in display order)
-- or the client matches no variant, else the level the score falls in among its variant's
-- levels (the scheme's when the variant has none). One history row per changed client, as
-- recompute_scheme.sql writes them. $1 scheme id, $2 cause. Returns how many clients changed.
WITH {{scope}},
{{client_variants}},
old AS (
    SELECT client_id, score, answered, segment, parameter_score, missing, forced
    FROM scope_assignments WHERE scheme_id = $1),
given AS (
    SELECT a.client_id, q.question_id, a.option_id, a.value,
           CASE WHEN x.counts THEN q.group_id END AS group_id, x.counts,
           CASE WHEN x.counts THEN q.weight * COALESCE(o.points, r.points, 0) ELSE 0 END
               AS contribution
    FROM (SELECT client_id, question_id, option_id, value FROM scope_answers
          UNION ALL
          SELECT client_id, question_id, option_id, NULL FROM scope_picks) a
    JOIN segment.questions q ON q.question_id = a.question_id AND q.scheme_id = $1
    LEFT JOIN client_variants cv ON cv.client_id = a.client_id
    CROSS JOIN LATERAL (SELECT {{question_counts}} AS counts) x
    LEFT JOIN segment.options o ON o.option_id = a.option_id
    LEFT JOIN segment.question_ranges r ON a.option_id IS NULL AND r.question_id = a.question_id
         AND r.min_value <= a.value AND a.value < r.max_value),
{{parameter_values}},
{{parameter_points}},
counted_parameters AS (
    SELECT pp.*, {{parameter_counts}} AS counts
    FROM parameter_points pp LEFT JOIN client_variants cv ON cv.client_id = pp.client_id),
group_sums AS (
    SELECT m.client_id, m.group_id, pg_catalog.sum(m.contribution) AS points
    FROM (SELECT client_id, group_id, contribution FROM given
          UNION ALL
          SELECT client_id, CASE WHEN counts THEN group_id END,
                 CASE WHEN counts THEN COALESCE(contribution, 0) ELSE 0 END
          FROM counted_parameters
          WHERE value IS NOT NULL) m
    GROUP BY m.client_id, m.group_id),
scores AS (
    SELECT s.client_id,
           pg_catalog.trim_scale(pg_catalog.sum(
               CASE WHEN g.min_points > s.points THEN g.min_points
                    WHEN g.max_points < s.points THEN g.max_points
                    ELSE s.points END)) AS score
    FROM group_sums s LEFT JOIN segment.groups g ON g.group_id = s.group_id
    GROUP BY s.client_id),
answered AS (
    SELECT client_id, pg_catalog.count(*)::integer AS answered FROM given GROUP BY client_id),
lacking AS (
    SELECT l.client_id, pg_catalog.array_agg(l.code ORDER BY l.position, l.code COLLATE "C") AS missing
    FROM (SELECT s.client_id, q.position, q.code
          FROM scores s JOIN segment.questions q ON q.scheme_id = $1 AND q.required
          LEFT JOIN client_variants cv ON cv.client_id = s.client_id
          WHERE NOT EXISTS (SELECT 1 FROM given g WHERE g.client_id = s.client_id
                                                    AND g.question_id = q.question_id)
            AND {{required_counts}}
          UNION ALL
          SELECT client_id, position, code FROM counted_parameters
          WHERE required AND contribution IS NULL AND counts) l
    GROUP BY l.client_id),
forcing AS (
    SELECT DISTINCT ON (m.client_id) m.client_id, m.code, lv.name AS level
    FROM (SELECT g.client_id, f.rule_id, f.level_id, q.code
          FROM given g
          JOIN segment.forced_levels f ON f.question_id = g.question_id
               AND (f.option_id = g.option_id
                    OR (f.option_id IS NULL AND g.option_id IS NULL
                        AND g.value = CASE WHEN f.question_id IS NOT NULL AND f.option_id IS NULL
                                           THEN CAST(f.value AS numeric) END))
          JOIN segment.questions q ON q.question_id = f.question_id
          WHERE g.counts
          UNION ALL
          SELECT pp.client_id, f.rule_id, f.level_id, pp.code
          FROM counted_parameters pp
          JOIN segment.forced_levels f ON f.parameter_id = pp.parameter_id AND f.value = pp.value
          WHERE pp.counts) m
    JOIN segment.levels lv ON lv.level_id = m.level_id
    ORDER BY m.client_id, m.rule_id),
fresh AS (
    SELECT s.client_id, s.score, COALESCE(a.answered, 0) AS answered, p.parameter_score,
           k.missing, f.code AS forced,
           COALESCE(f.level, CASE WHEN k.missing IS NULL AND {{variant_matched}} THEN l.name END)
               AS segment
    FROM scores s
    LEFT JOIN answered a ON a.client_id = s.client_id
    LEFT JOIN parameter_sums p ON p.client_id = s.client_id
    LEFT JOIN lacking k ON k.client_id = s.client_id
    LEFT JOIN forcing f ON f.client_id = s.client_id
    LEFT JOIN client_variants cv ON cv.client_id = s.client_id
    LEFT JOIN segment.levels l ON l.scheme_id = $1
         AND l.variant_id IS NOT DISTINCT FROM cv.level_variant
         AND l.min_score <= s.score AND s.score < l.max_score),
{{write_recomputed}}
