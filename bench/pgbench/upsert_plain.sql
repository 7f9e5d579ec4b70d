\set c random(1, :clients)
\set q random(1, 10)
\set o random(1, 4)
INSERT INTO bench.plain_answers (client_id, question_id, option_id) VALUES (:c, :q, (:q - 1) * 4 + :o)
ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id, answered_at = now();
