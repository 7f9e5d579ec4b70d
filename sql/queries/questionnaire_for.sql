-- The questionnaire of scheme $1 (questionnaire.sql) filled in for client $2, for an app that
-- shows a client's form: each question carries the client's current answer ("answer": the
-- chosen option's code, the codes of the options picked for a multiple-choice question in
-- display order, or a number question's value; null when unanswered), and the document the
-- client's key in text form and its assignment (score, segment, status; null while it has none).
-- The questionnaire is that of the client's variant (listed_client_variants.sql, $3 to $5),
-- or of the whole scheme for a client of none.
WITH {{client_variants}},
doc AS ({{questionnaire}}),
client AS (SELECT CAST($2 AS {{key_type}}) AS id)
SELECT d.document OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
    'client', CAST(c.id AS text), 'score', a.score, 'segment', a.segment, 'status', a.status,
    'questions', COALESCE((
        SELECT pg_catalog.jsonb_agg(e OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
                   'answer', CASE q.kind
                       WHEN 'multiple' THEN (
                           SELECT pg_catalog.jsonb_agg(o.code ORDER BY o.position, o.code)
                           FROM {{picks}} p JOIN segment.options o ON o.option_id = p.option_id
                           WHERE p.client_id = c.id AND p.question_id = q.question_id)
                       ELSE (SELECT COALESCE(pg_catalog.to_jsonb(o.code), pg_catalog.to_jsonb(an.value))
                             FROM {{answers}} an
                             LEFT JOIN segment.options o ON o.option_id = an.option_id
                             WHERE an.client_id = c.id AND an.question_id = q.question_id)
                   END)
               ORDER BY x.ordinality)
        FROM pg_catalog.jsonb_array_elements(d.document -> 'questions') WITH ORDINALITY x(e, ordinality)
        JOIN segment.questions q ON q.scheme_id = $1 AND q.code = e ->> 'code'), '[]'::jsonb))
FROM doc d(document)
CROSS JOIN client c
LEFT JOIN {{assignments}} a ON a.scheme_id = $1 AND a.client_id = c.id
