-- Every row of the configuration tables in one statement, so under one snapshot, for the
-- compiled configuration: (kind, id, parent id, version, name or code, number, upper bound,
-- position, extra).
-- Parameters only say that their scheme has some; 'r' rows name the ruled schemes
-- (linear_scheme.sql), whose answers SQL scores, and 'v' rows those that select variants by a
-- client column, with its name (an update of it re-scores the client). 'q' and 'l' rows hold
-- single-choice questions and the schemes' own levels, for deltas. Number questions are left out: SQL scores
-- their answers (the engine's deltas are options' points), and segment.answer() looks them up
-- with SQL, which refuses them with a hint.
-- Ruled schemes without parameters are compiled whole, for the direct recompute of one
-- client (engine::ruled): upper-case kinds give their questions ('Q': required (1) in the
-- version's place, code, weight, kind, position, group code), number questions' ranges ('R': min, max, points),
-- attachments to variants ('A'), groups ('G'), forced levels in definition order ('F': the
-- item's code, the value (a choice question's: the option's code), the level), variants with
-- one row per column value ('V') and the variants' own levels ('L': variant code in extra).
-- Drafts (sql/drafts.sql) are left out: they score nobody, and their questions, unknown here,
-- are skipped with them.
WITH compiled_ruled AS (
    SELECT sc.scheme_id FROM segment.schemes sc
    WHERE NOT {{linear_scheme}} AND sc.draft_of IS NULL
      AND NOT EXISTS (SELECT 1 FROM segment.parameters p WHERE p.scheme_id = sc.scheme_id))
SELECT 's', scheme_id, entity_id, version, name, NULL, NULL, NULL::integer, NULL
FROM segment.schemes
WHERE draft_of IS NULL
UNION ALL
SELECT 'q', question_id, scheme_id, NULL, code, weight::text, NULL, NULL, NULL
FROM segment.questions
WHERE kind = 'single'
UNION ALL
SELECT 'o', option_id, question_id, NULL, code, points::text, NULL, NULL, NULL
FROM segment.options
UNION ALL
SELECT 'l', scheme_id, NULL, NULL, name, min_score::text, max_score::text, NULL, NULL
FROM segment.levels
WHERE variant_id IS NULL
UNION ALL
SELECT 'p', scheme_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM (SELECT DISTINCT p.scheme_id FROM segment.parameters p
      JOIN segment.schemes sc ON sc.scheme_id = p.scheme_id AND sc.draft_of IS NULL) p
UNION ALL
SELECT 'r', sc.scheme_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM segment.schemes sc
WHERE NOT {{linear_scheme}} AND sc.draft_of IS NULL
UNION ALL
SELECT 'v', vc.scheme_id, NULL, NULL, CAST(vc.column_name AS text), NULL, NULL, NULL, NULL
FROM segment.variant_columns vc
JOIN segment.schemes sc ON sc.scheme_id = vc.scheme_id AND sc.draft_of IS NULL
UNION ALL
SELECT 'Q', q.question_id, q.scheme_id, CASE WHEN q.required THEN 1 ELSE 0 END, q.code,
       q.weight::text, q.kind, q.position, g.code
FROM segment.questions q JOIN compiled_ruled c ON c.scheme_id = q.scheme_id
LEFT JOIN segment.groups g ON g.group_id = q.group_id
UNION ALL
SELECT 'R', r.question_id, q.scheme_id, NULL, NULL, r.min_value::text, r.max_value::text, NULL,
       r.points::text
FROM segment.question_ranges r JOIN segment.questions q ON q.question_id = r.question_id
JOIN compiled_ruled c ON c.scheme_id = q.scheme_id
UNION ALL
SELECT 'A', vi.question_id, v.scheme_id, NULL, v.code, NULL, NULL, NULL, NULL
FROM segment.variant_items vi JOIN segment.variants v ON v.variant_id = vi.variant_id
JOIN compiled_ruled c ON c.scheme_id = v.scheme_id
WHERE vi.question_id IS NOT NULL
UNION ALL
SELECT 'G', g.group_id, g.scheme_id, NULL, g.code, g.min_points::text, g.max_points::text,
       NULL, NULL
FROM segment.groups g JOIN compiled_ruled c ON c.scheme_id = g.scheme_id
UNION ALL
SELECT 'F', f.rule_id, f.scheme_id, NULL, q.code, COALESCE(o.code, f.value), l.name, NULL, NULL
FROM segment.forced_levels f JOIN compiled_ruled c ON c.scheme_id = f.scheme_id
JOIN segment.questions q ON q.question_id = f.question_id
LEFT JOIN segment.options o ON o.option_id = f.option_id
JOIN segment.levels l ON l.level_id = f.level_id
UNION ALL
SELECT 'V', v.variant_id, v.scheme_id, NULL, v.code, x.value, NULL, NULL, NULL
FROM segment.variants v JOIN compiled_ruled c ON c.scheme_id = v.scheme_id
CROSS JOIN LATERAL pg_catalog.unnest(v.column_values) AS x(value)
UNION ALL
SELECT 'L', l.level_id, l.scheme_id, NULL, l.name, l.min_score::text, l.max_score::text, NULL,
       v.code
FROM segment.levels l JOIN segment.variants v ON v.variant_id = l.variant_id
JOIN compiled_ruled c ON c.scheme_id = l.scheme_id
