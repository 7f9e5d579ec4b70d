-- Writer of the scheme kinds (st.accounts): a multiple-choice question's picks through
-- segment.answer(..., options text[]) (a random subset, the empty set included), plain INSERT
-- and DELETE of one pick, a number question's value through segment.answer_number() or a plain
-- upsert, and now and then one statement of picks for several clients.
\set cid random(1, 200)
\set kind random(1, 10)
\set v random(-2, 12)
\set o random(1, 4)
\set n random(5, 12)
\if :kind <= 3
SELECT segment.answer('kinds', 'acc-' || :cid, 'channels',
    COALESCE((SELECT array_agg('c' || g) FROM generate_series(1, 4) g WHERE random() < 0.5),
             ARRAY[]::text[]));
\elif :kind <= 5
INSERT INTO segment.st_accounts_picks (client_id, question_id, option_id)
SELECT 'acc-' || :cid, question_id, option_id FROM segment.answer_options
WHERE scheme = 'kinds' AND question = 'channels' AND option = 'c' || :o
ON CONFLICT DO NOTHING;
\elif :kind = 6
DELETE FROM segment.st_accounts_picks p USING segment.answer_options o
WHERE p.client_id = 'acc-' || :cid AND p.option_id = o.option_id
  AND o.scheme = 'kinds' AND o.option = 'c' || :o;
\elif :kind <= 8
SELECT segment.answer_number('kinds', 'acc-' || :cid, 'visits', :v / 2.0);
\elif :kind = 9
INSERT INTO segment.st_accounts_answers (client_id, question_id, value)
SELECT 'acc-' || :cid, question_id, :v FROM segment.questions WHERE code = 'visits'
ON CONFLICT (client_id, question_id) DO UPDATE SET value = EXCLUDED.value;
\else
INSERT INTO segment.st_accounts_picks (client_id, question_id, option_id)
SELECT c.id, o.question_id, o.option_id
FROM (SELECT DISTINCT 'acc-' || (1 + floor(random() * 200))::int AS id FROM generate_series(1, :n)) r
JOIN st.accounts c USING (id)
JOIN segment.answer_options o ON o.scheme = 'kinds' AND random() < 0.5
ON CONFLICT DO NOTHING;
\endif
