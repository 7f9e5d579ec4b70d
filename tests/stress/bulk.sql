-- Bulk writer: one INSERT ... SELECT of a few dozen answers (n random clients, ~3/4 of the
-- scheme's questions each, a random option per question) in one statement, or a DELETE of a few
-- random answers. DISTINCT ON keeps one row per (client, question), as ON CONFLICT DO UPDATE
-- requires; joining the client table skips clients the deleter has removed.
\set s random(1, 3)
\set n random(5, 12)
\set kind random(1, 4)
\if :s = 3
  \if :kind <= 3
INSERT INTO segment.st_accounts_answers (client_id, question_id, option_id)
SELECT DISTINCT ON (c.id, o.question_id) c.id, o.question_id, o.option_id
FROM (SELECT DISTINCT 'acc-' || (1 + floor(random() * 200))::int AS id FROM generate_series(1, :n)) r
JOIN st.accounts c USING (id)
JOIN segment.answer_options o ON o.scheme = 'loyalty'
WHERE random() < 0.75
ORDER BY c.id, o.question_id, random()
ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id;
  \else
DELETE FROM segment.st_accounts_answers WHERE (client_id, question_id) IN (
    SELECT client_id, question_id FROM segment.st_accounts_answers ORDER BY random() LIMIT :n / 2);
  \endif
\else
  \if :kind <= 3
INSERT INTO segment.st_companies_answers (client_id, question_id, option_id)
SELECT DISTINCT ON (c.id, o.question_id) c.id, o.question_id, o.option_id
FROM (SELECT DISTINCT (1 + floor(random() * 200))::bigint AS id FROM generate_series(1, :n)) r
JOIN st.companies c USING (id)
JOIN segment.answer_options o ON o.scheme = (ARRAY['size', 'risk'])[:s]
WHERE random() < 0.75
ORDER BY c.id, o.question_id, random()
ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id;
  \else
DELETE FROM segment.st_companies_answers WHERE (client_id, question_id) IN (
    SELECT client_id, question_id FROM segment.st_companies_answers ORDER BY random() LIMIT :n / 2);
  \endif
\endif
