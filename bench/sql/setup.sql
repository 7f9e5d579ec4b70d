-- Benchmark database: :clients clients, a pg_segment scheme of 10 questions × 4 options and 4
-- levels, and the same configuration copied for the two baselines, with the same ids.
\set ON_ERROR_STOP 1
CREATE EXTENSION pg_segment;
CREATE SCHEMA bench;
CREATE TABLE bench.clients (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO bench.clients SELECT g, 'client ' || g FROM generate_series(1, :clients) g;

SELECT segment.create_scheme('bench', 'bench.clients') AS scheme_id \gset
SELECT count(*) FROM (
  SELECT segment.add_question('bench', 'q' || q, 'Question ' || q, 1 + (q % 3) * 0.5, q)
  FROM generate_series(1, 10) q) s;
SELECT count(*) FROM (
  SELECT segment.add_option('bench', 'q' || q, 'o' || o, 'Option ' || o, (o - 2) * (1 + q % 4), o)
  FROM generate_series(1, 10) q, generate_series(1, 4) o ORDER BY q, o) s;
SELECT segment.add_level('bench', 'D', '-Infinity', 0), segment.add_level('bench', 'C', 0, 12),
       segment.add_level('bench', 'B', 12, 24), segment.add_level('bench', 'A', 24, 'Infinity');
-- pgbench scripts address question q's option o as option_id (q - 1) * 4 + o
DO $check$ BEGIN
  IF EXISTS (SELECT 1 FROM segment.answer_options
             WHERE scheme = 'bench' AND (question_id <> question_position
                OR option_id <> (question_position - 1) * 4 + option_position)) THEN
    RAISE EXCEPTION 'benchmark configuration ids are not the expected 1..10 / 1..40';
  END IF;
END $check$;

-- The same configuration for the baselines.
CREATE TABLE bench.questions AS SELECT question_id, code, weight FROM segment.questions;
ALTER TABLE bench.questions ADD PRIMARY KEY (question_id);
CREATE TABLE bench.options AS SELECT option_id, question_id, code, points FROM segment.options;
ALTER TABLE bench.options ADD PRIMARY KEY (option_id), ADD UNIQUE (option_id, question_id);
CREATE TABLE bench.levels AS SELECT level_id, name, min_score, max_score FROM segment.levels;
ALTER TABLE bench.levels ADD PRIMARY KEY (level_id);

-- Baseline 1, no segmentation: an answers table equivalent to pg_segment's (same keys,
-- foreign keys and indexes) and nothing else.
CREATE TABLE bench.plain_answers (
    client_id   bigint NOT NULL REFERENCES bench.clients ON DELETE CASCADE,
    question_id integer NOT NULL,
    option_id   integer NOT NULL,
    answered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, question_id),
    FOREIGN KEY (option_id, question_id) REFERENCES bench.options (option_id, question_id) ON DELETE CASCADE
);
CREATE INDEX ON bench.plain_answers (option_id, question_id);

-- Baseline 2, what a DBA writes by hand: the same answers table, an assignments table, a
-- history table, and a PL/pgSQL row trigger that recomputes the client's score and level,
-- locks and updates its assignment and appends history when something changed.
CREATE TABLE bench.trig_answers (LIKE bench.plain_answers INCLUDING ALL);
ALTER TABLE bench.trig_answers
    ADD FOREIGN KEY (client_id) REFERENCES bench.clients ON DELETE CASCADE,
    ADD FOREIGN KEY (option_id, question_id) REFERENCES bench.options (option_id, question_id) ON DELETE CASCADE;
CREATE TABLE bench.trig_assignments (
    client_id   bigint PRIMARY KEY REFERENCES bench.clients ON DELETE CASCADE,
    score       numeric NOT NULL,
    answered    integer NOT NULL,
    segment     text,
    assigned_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE bench.trig_history (
    history_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id   bigint NOT NULL REFERENCES bench.clients ON DELETE CASCADE,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    old_score   numeric, new_score numeric, old_segment text, new_segment text,
    cause       text NOT NULL
);
CREATE INDEX ON bench.trig_history (client_id, history_id);

CREATE FUNCTION bench.trig_recompute() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    c bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.client_id ELSE NEW.client_id END;
    old_score numeric; old_segment text;
    new_score numeric; new_answered integer; new_segment text;
BEGIN
    SELECT score, segment INTO old_score, old_segment
    FROM bench.trig_assignments WHERE client_id = c FOR UPDATE;
    SELECT sum(q.weight * o.points), count(*) INTO new_score, new_answered
    FROM bench.trig_answers a
    JOIN bench.questions q ON q.question_id = a.question_id
    JOIN bench.options o ON o.option_id = a.option_id
    WHERE a.client_id = c;
    IF new_answered = 0 THEN
        DELETE FROM bench.trig_assignments WHERE client_id = c;
    ELSE
        SELECT name INTO new_segment FROM bench.levels
        WHERE new_score >= min_score AND new_score < max_score;
        INSERT INTO bench.trig_assignments AS t (client_id, score, answered, segment)
        VALUES (c, new_score, new_answered, new_segment)
        ON CONFLICT (client_id) DO UPDATE SET score = EXCLUDED.score, answered = EXCLUDED.answered,
            segment = EXCLUDED.segment, assigned_at = now();
    END IF;
    IF new_score IS DISTINCT FROM old_score OR new_segment IS DISTINCT FROM old_segment THEN
        INSERT INTO bench.trig_history (client_id, old_score, new_score, old_segment, new_segment, cause)
        VALUES (c, old_score, new_score, old_segment, new_segment, 'answer');
    END IF;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER trig_recompute AFTER INSERT OR UPDATE OR DELETE ON bench.trig_answers
    FOR EACH ROW EXECUTE FUNCTION bench.trig_recompute();

-- The answers every set-up starts from: each client answers all 10 questions; option 1 of a
-- question is chosen by 10 % of clients, options 2-4 by 30 % each (the points-change scenario
-- changes an option chosen by 10 %).
CREATE TABLE bench.answer_source AS
SELECT c AS client_id, q AS question_id,
       (q - 1) * 4 + 1 + CASE WHEN h % 10 = 0 THEN 0 ELSE 1 + (h / 10) % 3 END AS option_id
FROM generate_series(1, :clients) c, generate_series(1, 10) q,
     LATERAL (SELECT abs(hashint8((c * 16 + q)::bigint)) AS h) x;
