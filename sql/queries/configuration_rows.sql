-- Every row of the configuration tables in one statement, so under one snapshot, for the
-- compiled configuration: (kind, id, parent id, version, name or code, number, upper bound).
-- Parameters only say that their scheme has some; 'r' rows name the ruled schemes
-- (linear_scheme.sql), whose answers SQL scores, and 'v' rows those that select variants by a
-- client column, with its name (an update of it re-scores the client). Only the scheme's own levels are
-- compiled (a ruled scheme's variants' levels are SQL's). Number questions are left out: SQL scores
-- their answers (the engine's deltas are options' points), and segment.answer() looks them up
-- with SQL, which refuses them with a hint.
SELECT 's', scheme_id, entity_id, version, name, NULL, NULL FROM segment.schemes
UNION ALL
SELECT 'q', question_id, scheme_id, NULL, code, weight::text, NULL FROM segment.questions
WHERE kind = 'single'
UNION ALL
SELECT 'o', option_id, question_id, NULL, code, points::text, NULL FROM segment.options
UNION ALL
SELECT 'l', scheme_id, NULL, NULL, name, min_score::text, max_score::text FROM segment.levels
WHERE variant_id IS NULL
UNION ALL
SELECT 'p', scheme_id, NULL, NULL, NULL, NULL, NULL
FROM (SELECT DISTINCT scheme_id FROM segment.parameters) p
UNION ALL
SELECT 'r', sc.scheme_id, NULL, NULL, NULL, NULL, NULL FROM segment.schemes sc
WHERE NOT {{linear_scheme}}
UNION ALL
SELECT 'v', scheme_id, NULL, NULL, CAST(column_name AS text), NULL, NULL
FROM segment.variant_columns
