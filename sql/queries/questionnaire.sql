-- A scheme with its questions, options and levels in display order, as the JSON a
-- questionnaire renders: each question with its kind, a choice question with its options, a
-- number question with its ranges. Open ends of levels and ranges are JSON null (a number
-- field is a number or null, never the string "Infinity"). For a variant (the part variant: its
-- id, or NULL for the whole scheme) the questions that count for its clients (attached to it
-- or to no variant) and the levels that segment them (its own, else the scheme's); each
-- question lists the variants it is attached to (none: it serves every variant). $1 scheme id.
SELECT pg_catalog.jsonb_build_object(
    'scheme', s.name, 'description', s.description, 'version', s.version,
    'variant', (SELECT v.code FROM segment.variants v WHERE v.variant_id = {{variant}}),
    'questions', COALESCE((
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'code', q.code, 'prompt', q.prompt, 'position', q.position, 'weight', q.weight,
                   'kind', q.kind, 'required', q.required,
                   'variants', COALESCE((
                       SELECT pg_catalog.jsonb_agg(v.code ORDER BY v.code)
                       FROM segment.variant_items vi
                       JOIN segment.variants v ON v.variant_id = vi.variant_id
                       WHERE vi.question_id = q.question_id), '[]'::jsonb),
                   'options', COALESCE((
                       SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                  'code', o.code, 'label', o.label, 'position', o.position,
                                  'points', o.points)
                              ORDER BY o.position, o.code)
                       FROM segment.options o WHERE o.question_id = q.question_id), '[]'::jsonb))
                   OPERATOR(pg_catalog.||) CASE WHEN q.kind = 'number' THEN
                       pg_catalog.jsonb_build_object('ranges', COALESCE((
                           SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                      'min_value', NULLIF(r.min_value, '-Infinity'),
                                      'max_value', NULLIF(r.max_value, 'Infinity'),
                                      'points', r.points)
                                  ORDER BY r.min_value)
                           FROM segment.question_ranges r WHERE r.question_id = q.question_id),
                           '[]'::jsonb))
                       ELSE '{}'::jsonb END
               ORDER BY q.position, q.code)
        FROM segment.questions q WHERE q.scheme_id = s.scheme_id
          AND ({{variant}} IS NULL
               OR NOT EXISTS (SELECT 1 FROM segment.variant_items vi
                              WHERE vi.question_id = q.question_id)
               OR EXISTS (SELECT 1 FROM segment.variant_items vi
                          WHERE vi.question_id = q.question_id
                            AND vi.variant_id = {{variant}}))), '[]'::jsonb),
    'levels', COALESCE((
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'name', l.name, 'min_score', NULLIF(l.min_score, '-Infinity'),
                   'max_score', NULLIF(l.max_score, 'Infinity'))
               ORDER BY l.min_score)
        FROM segment.levels l WHERE l.scheme_id = s.scheme_id
          AND l.variant_id IS NOT DISTINCT FROM (
              SELECT vl.variant_id FROM segment.levels vl
              WHERE vl.variant_id = {{variant}} LIMIT 1)), '[]'::jsonb))
FROM segment.schemes s
WHERE s.scheme_id = $1
