-- Bulk writes: COPY and INSERT … SELECT recompute each touched client once, set-based.
CREATE SCHEMA bulk;
CREATE TABLE bulk.clients (id integer PRIMARY KEY);
INSERT INTO bulk.clients SELECT generate_series(1, 2000);
SELECT segment.create_scheme('bulk', 'bulk.clients') > 0 AS created;
SELECT count(*) AS questions FROM (
  SELECT segment.add_question('bulk', 'q' || q, 'Question ' || q) FROM generate_series(1, 5) q) s;
SELECT count(*) AS options FROM (
  SELECT segment.add_option('bulk', 'q' || q, 'o' || o, 'Option ' || o, o - 1)
  FROM generate_series(1, 5) q, generate_series(1, 3) o) s;
SELECT segment.add_level('bulk', 'low', 0, 4) > 0 AS low,
       segment.add_level('bulk', 'mid', 4, 8) > 0 AS mid,
       segment.add_level('bulk', 'high', 8, 'Infinity') > 0 AS high;

-- 10,000 answers in one COPY: client c answers question k with the k-th base-3 digit of c,
-- so every combination of answers occurs.
CREATE TEMP TABLE answer_file AS
SELECT c AS client_id, o.question_id, o.option_id
FROM generate_series(1, 2000) c
JOIN segment.answer_options o ON o.scheme = 'bulk'
 AND o.option_position = 1 + (c / (3 ^ (o.question_position - 1))::int) % 3;
\copy (SELECT * FROM answer_file ORDER BY 1, 2) TO '/tmp/pg_segment_regress_answers.csv' WITH (FORMAT csv)
\copy segment.bulk_clients_answers (client_id, question_id, option_id) FROM '/tmp/pg_segment_regress_answers.csv' WITH (FORMAT csv)

SELECT count(*) AS answers FROM segment.bulk_clients_answers;
SELECT * FROM segment.distribution('bulk');
-- exactly one history row per client: each client was recomputed once, not once per answer
SELECT count(*) AS history_rows, count(DISTINCT client_id) AS clients FROM segment.bulk_clients_history;

-- A bulk UPDATE of 2,000 answers: again one new history row per client whose score moved.
UPDATE segment.bulk_clients_answers a SET option_id = o.option_id
FROM segment.answer_options o
WHERE o.question_id = a.question_id AND o.option = 'o3' AND o.question = 'q1' AND a.option_id <> o.option_id;
SELECT count(*) AS history_rows FROM segment.bulk_clients_history;
SELECT * FROM segment.distribution('bulk');

-- A bulk write with one bad row writes nothing at all.
INSERT INTO segment.bulk_clients_answers (client_id, question_id, option_id)
SELECT c, o.question_id, o.option_id FROM generate_series(1995, 2001) c
JOIN segment.answer_options o ON o.scheme = 'bulk' AND o.question = 'q1' AND o.option = 'o1'
ON CONFLICT (client_id, question_id) DO UPDATE SET option_id = EXCLUDED.option_id;
SELECT count(*) AS history_rows FROM segment.bulk_clients_history;

SELECT * FROM segment.verify('bulk');
