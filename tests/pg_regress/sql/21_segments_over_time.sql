-- Segments over time: a client's score and segment at a past moment, the distribution at a
-- past moment and the moves between two moments, all read from the history. The history here
-- is written by real answers, then given explicit times (each step one day), so the results
-- are exact.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA ot;
CREATE TABLE ot.clients (id integer PRIMARY KEY);
INSERT INTO ot.clients SELECT generate_series(1, 5);
SELECT segment.create_scheme('timeline', 'ot.clients') > 0 AS ok;
SELECT history_table AS hist FROM segment.entities WHERE client_table = 'ot.clients'::regclass \gset
SELECT segment.add_question('timeline', 'q', 'Question') > 0 AS ok;
SELECT segment.add_option('timeline', 'q', 'lo', 'Low', 1) > 0
   AND segment.add_option('timeline', 'q', 'mid', 'Middle', 5) > 0
   AND segment.add_option('timeline', 'q', 'hi', 'High', 10) > 0 AS ok;
-- [4, 8) is a gap: a client scoring 5 has no segment
SELECT segment.add_level('timeline', 'low', '-Infinity', 4) > 0
   AND segment.add_level('timeline', 'high', 8, 'Infinity') > 0 AS ok;
CREATE TEMP TABLE steps (step integer, last_history_id bigint);
-- day 1: clients 1, 2, 3 answered
SELECT segment.answer('timeline', 1, 'q', 'lo'), segment.answer('timeline', 2, 'q', 'mid'),
       segment.answer('timeline', 3, 'q', 'hi');
INSERT INTO steps SELECT 1, max(history_id) FROM :hist;
-- day 2: client 1 moves up
SELECT segment.answer('timeline', 1, 'q', 'hi');
INSERT INTO steps SELECT 2, max(history_id) FROM :hist;
-- day 3: client 2's answer is removed (no longer categorized), client 4 answers
SELECT segment.remove_answer('timeline', 2, 'q'), segment.answer('timeline', 4, 'q', 'lo');
INSERT INTO steps SELECT 3, max(history_id) FROM :hist;
-- day 4: client 3 moves down
SELECT segment.answer('timeline', 3, 'q', 'lo');
INSERT INTO steps SELECT 4, max(history_id) FROM :hist;
UPDATE :hist h SET changed_at = timestamptz '2026-03-01 09:00+00' + (s.step - 1) * interval '1 day'
FROM (SELECT step, last_history_id,
             COALESCE(lag(last_history_id) OVER (ORDER BY step), 0) AS after_id FROM steps) s
WHERE h.history_id > s.after_id AND h.history_id <= s.last_history_id;
SELECT client_id, changed_at AT TIME ZONE 'UTC' AS changed_at_utc, old_segment, new_segment, new_score
FROM :hist ORDER BY history_id;

-- One client at several moments: before its first answer, on each day.
SELECT t AS at_utc,
       segment.score_at('timeline', 1, t AT TIME ZONE 'UTC') AS score,
       segment.segment_at('timeline', 1, t AT TIME ZONE 'UTC') AS segment,
       segment.segment_at('timeline', 2, t AT TIME ZONE 'UTC') AS client_2,
       segment.score_at('timeline', 2, t AT TIME ZONE 'UTC') AS client_2_score
FROM unnest(ARRAY[timestamp '2026-02-28 12:00', '2026-03-01 09:00', '2026-03-01 12:00',
                  '2026-03-02 12:00', '2026-03-03 12:00']) t;
-- The whole base at a past moment: client 2 scored 5 on day 1 (no segment; the ledger does not
-- say why, so no status), was gone by day 3.
SELECT * FROM segment.distribution_at('timeline', '2026-03-01 12:00+00');
SELECT * FROM segment.distribution_at('timeline', '2026-03-03 12:00+00');
SELECT * FROM segment.distribution_at('timeline', '2026-02-01 00:00+00');
-- Today it agrees with segment.distribution (segments and counts).
SELECT segment, clients, share FROM segment.distribution_at('timeline', now())
EXCEPT SELECT segment, clients, share FROM segment.distribution('timeline');
-- Moves between day 1 and day 4: client 1 low -> high, client 2 (no segment) -> gone, client 3
-- high -> low, client 4 new in low.
SELECT * FROM segment.transitions('timeline', '2026-03-01 12:00+00', '2026-03-04 12:00+00');
-- Between two moments with no change in between: the unchanged pairs only.
SELECT * FROM segment.transitions('timeline', '2026-03-04 12:00+00', now());

-- Errors as for segment.history; NULL arguments give NULL. (terse: the HINT lists every
-- scheme of the database, which depends on the tests run before)
\set VERBOSITY terse
SELECT segment.segment_at('nope', 1, now());
SELECT count(*) FROM segment.transitions('nope', now(), now());
\set VERBOSITY default
SELECT segment.segment_at('timeline', 99, now());
SELECT segment.score_at('timeline', 1, NULL) IS NULL AS null_moment;
SELECT segment.drop_scheme('timeline');
DROP TABLE ot.clients CASCADE;
DROP SCHEMA ot;
