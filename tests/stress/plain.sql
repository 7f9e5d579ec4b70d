-- Single-answer writer with plain SQL on the answers tables, as an application would write:
-- mostly an upsert of one answer, sometimes an UPDATE or DELETE of one answer row.
\set s random(1, 3)
\set cid random(1, 200)
\set q random(1, CASE WHEN :s = 2 THEN 3 ELSE 4 END)
\set o random(1, CASE WHEN :s = 2 THEN 2 ELSE 3 END)
\set kind random(1, 10)
\if :s = 3
  \if :kind <= 7
INSERT INTO segment.st_accounts_answers (client_id, question_id, option_id)
SELECT 'acc-' || :cid, question_id, option_id FROM segment.answer_options
WHERE scheme = 'loyalty' AND question = 'q' || :q AND option = 'o' || :o
ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id;
  \elif :kind <= 9
UPDATE segment.st_accounts_answers a SET option_id = o.option_id
FROM segment.answer_options o
WHERE a.client_id = 'acc-' || :cid AND a.question_id = o.question_id
  AND o.scheme = 'loyalty' AND o.question = 'q' || :q AND o.option = 'o' || :o;
  \else
DELETE FROM segment.st_accounts_answers a USING segment.answer_options o
WHERE a.client_id = 'acc-' || :cid AND a.question_id = o.question_id AND a.option_id = o.option_id
  AND o.scheme = 'loyalty' AND o.question = 'q' || :q;
  \endif
\else
  \if :kind <= 7
INSERT INTO segment.st_companies_answers (client_id, question_id, option_id)
SELECT :cid, question_id, option_id FROM segment.answer_options
WHERE scheme = (ARRAY['size', 'risk'])[:s] AND question = 'q' || :q AND option = 'o' || :o
ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id;
  \elif :kind <= 9
UPDATE segment.st_companies_answers a SET option_id = o.option_id
FROM segment.answer_options o
WHERE a.client_id = :cid AND a.question_id = o.question_id
  AND o.scheme = (ARRAY['size', 'risk'])[:s] AND o.question = 'q' || :q AND o.option = 'o' || :o;
  \else
DELETE FROM segment.st_companies_answers a USING segment.answer_options o
WHERE a.client_id = :cid AND a.question_id = o.question_id AND a.option_id = o.option_id
  AND o.scheme = (ARRAY['size', 'risk'])[:s] AND o.question = 'q' || :q;
  \endif
\endif
