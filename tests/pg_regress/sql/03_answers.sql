-- Answers through segment.answer() and through plain SQL give the same scores and segments,
-- current in the same statement.

-- Outlet 1 through the function (an integer literal works for a bigint key).
SELECT segment.answer('outlet', 1, 'size', 'large');
SELECT segment.score('outlet', 1), segment.segment_of('outlet', 1);
SELECT segment.answer('outlet', 1, 'traffic', 'high');
SELECT segment.answer('outlet', 1, 'payments', 'on_time');
SELECT segment.score('outlet', 1), segment.segment_of('outlet', 1);

-- Outlet 2 with the same answers through plain INSERT.
INSERT INTO segment.shop_outlets_answers (client_id, question_id, option_id)
SELECT 2, question_id, option_id FROM segment.answer_options
WHERE scheme = 'outlet' AND (question, option) IN (('size', 'large'), ('traffic', 'high'), ('payments', 'on_time'));
SELECT client_id, score, segment FROM segment.shop_outlets_assignments ORDER BY client_id;

-- Explanation: one row per question; the contributions add up to the score.
SELECT * FROM segment.explain('outlet', 1);
SELECT sum(contribution) AS total FROM segment.explain('outlet', 1);

-- Replacing an answer (function) and changing one (plain UPDATE) move the segment.
SELECT segment.answer('outlet', 1, 'payments', 'late');
UPDATE segment.shop_outlets_answers a SET option_id = o.option_id
FROM segment.answer_options o
WHERE o.scheme = 'outlet' AND o.question = 'size' AND o.option = 'small'
  AND a.client_id = 2 AND a.question_id = o.question_id;
SELECT client_id, score, segment FROM segment.shop_outlets_assignments ORDER BY client_id;

-- Answering the same option again changes nothing and logs nothing.
SELECT segment.answer('outlet', 1, 'payments', 'late');

-- History: oldest first, with cause and scheme version.
SELECT old_score, new_score, old_segment, new_segment, cause FROM segment.history('outlet', 1);
SELECT old_score, new_score, old_segment, new_segment, cause FROM segment.history('outlet', 2);

-- A client with no answer is not categorized: NULL score and segment, no history.
SELECT segment.score('outlet', 3) AS score, segment.segment_of('outlet', 3) AS segment;
SELECT count(*) AS history_rows FROM segment.history('outlet', 3);

-- Score in a gap between levels: categorized, but no segment.
SELECT segment.answer('outlet', 3, 'size', 'large');
SELECT segment.answer('outlet', 3, 'payments', 'late');
SELECT segment.score('outlet', 3), segment.segment_of('outlet', 3);

-- Distribution: assigned clients per segment in level order; the gap is the NULL row.
SELECT * FROM segment.distribution('outlet');

-- A rollback undoes the answer and its assignment together.
BEGIN;
SELECT segment.answer('outlet', 4, 'size', 'large');
SELECT segment.segment_of('outlet', 4);
ROLLBACK;
SELECT segment.segment_of('outlet', 4), count(*) AS history_rows FROM segment.history('outlet', 4);

-- Removing the last answer makes the client uncategorized again; the ledger says so.
SELECT segment.remove_answer('outlet', 3, 'size');
SELECT segment.remove_answer('outlet', 3, 'payments');
SELECT segment.remove_answer('outlet', 3, 'payments') AS removed_again;
SELECT segment.score('outlet', 3);
SELECT old_score, new_score, old_segment, new_segment, cause FROM segment.history('outlet', 3);

-- Deleting a client removes its answers, assignment and history with it.
DELETE FROM shop.outlets WHERE id = 2;
SELECT count(*) FILTER (WHERE client_id = 2) AS answers_of_2 FROM segment.shop_outlets_answers;
SELECT client_id, score, segment FROM segment.shop_outlets_assignments ORDER BY client_id;
SELECT count(*) AS history_of_2 FROM segment.shop_outlets_history WHERE client_id = 2;

SELECT * FROM segment.verify('outlet');
