-- Rules beyond a plain sum: groups whose members' points are clamped together, required
-- questions and forced levels. A scheme with any of them is "ruled": every write re-scores
-- the clients it touched from scratch (no deltas), in the same statement's transaction. Each
-- step ends with segment.verify (the engine's recompute) and a ledger check (each client's
-- last history row says what its assignment holds).
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA ru;
CREATE TABLE ru.outlets (code varchar(8) PRIMARY KEY, staff integer);
INSERT INTO ru.outlets SELECT 'O' || g, g FROM generate_series(1, 12) g;
SELECT segment.create_scheme('ruled', 'ru.outlets') > 0 AS ok;
SELECT answers_table AS ans, picks_table AS picks, assignments_table AS asg, history_table AS hist
FROM segment.entities WHERE client_table = 'ru.outlets'::regclass \gset
SELECT segment.add_question('ruled', 'size', 'Size?') > 0
   AND segment.add_option('ruled', 'size', 'big', 'Big', 10) > 0
   AND segment.add_option('ruled', 'size', 'small', 'Small', 2) > 0 AS ok;
SELECT segment.add_question('ruled', 'shelf', 'Shelf length?', 2) > 0
   AND segment.add_option('ruled', 'shelf', 'long', 'Long', 6) > 0
   AND segment.add_option('ruled', 'shelf', 'short', 'Short', 1) > 0 AS ok;
SELECT segment.add_question('ruled', 'payments', 'Payment methods', kind => 'multiple') > 0
   AND segment.add_option('ruled', 'payments', 'cash', 'Cash', 0) > 0
   AND segment.add_option('ruled', 'payments', 'card', 'Card', 3) > 0
   AND segment.add_option('ruled', 'payments', 'barter', 'Barter', -5) > 0 AS ok;
SELECT segment.add_question('ruled', 'counters', 'Checkout counters', kind => 'number') > 0
   AND segment.add_range('ruled', 'counters', 0, 3, 1) > 0
   AND segment.add_range('ruled', 'counters', 3, 'Infinity', 5) > 0 AS ok;
SELECT segment.add_question('ruled', 'status', 'Open?', 0) > 0
   AND segment.add_option('ruled', 'status', 'open', 'Open', 0) > 0
   AND segment.add_option('ruled', 'status', 'closed', 'Closed', 0) > 0 AS ok;
SELECT segment.add_parameter('ruled', 'staff', 'Staff', 'staff') > 0
   AND segment.add_range('ruled', 'staff', 0, 5, 1) > 0
   AND segment.add_range('ruled', 'staff', 5, 'Infinity', 4) > 0 AS ok;
SELECT segment.add_level('ruled', 'inactive', '-Infinity', 0) > 0
   AND segment.add_level('ruled', 'C', 0, 10) > 0
   AND segment.add_level('ruled', 'B', 10, 20) > 0
   AND segment.add_level('ruled', 'A', 20, 'Infinity') > 0 AS ok;

-- What every step checks: the engine agrees with every assignment, and the ledger's last row
-- of each client with its assignment (a client without one: its last row has no score).
CREATE FUNCTION ru.consistent(scheme text DEFAULT 'ruled') RETURNS text LANGUAGE sql AS $$
    WITH sc AS (SELECT scheme_id FROM segment.schemes WHERE name = scheme)
    SELECT format('verify: %s, ledger: %s',
        (SELECT count(*) FROM segment.verify(scheme)),
        (SELECT count(*) FROM (
            SELECT DISTINCT ON (h.client_id) h.client_id, h.new_score, h.new_segment
            FROM segment.ru_outlets_history h, sc WHERE h.scheme_id = sc.scheme_id
            ORDER BY h.client_id, h.history_id DESC) h
         FULL JOIN (SELECT s.* FROM segment.ru_outlets_assignments s, sc
                    WHERE s.scheme_id = sc.scheme_id) s ON s.client_id = h.client_id
         WHERE s.score IS DISTINCT FROM h.new_score OR s.segment IS DISTINCT FROM h.new_segment))
$$;
SELECT :'asg' = 'segment.ru_outlets_assignments' AND :'hist' = 'segment.ru_outlets_history' AS names_as_assumed;

-- Answers while the scheme is still a plain sum.
SELECT segment.answer('ruled', 'O1', 'size', 'big'), segment.answer('ruled', 'O1', 'shelf', 'long'),
       segment.answer('ruled', 'O1', 'payments', ARRAY['card', 'cash']);
SELECT segment.answer('ruled', 'O2', 'size', 'small'), segment.answer('ruled', 'O2', 'status', 'closed');
SELECT segment.answer_number('ruled', 'O3', 'counters', 4), segment.answer('ruled', 'O3', 'shelf', 'short');
SELECT client_id, score, segment, status, forced, missing FROM :asg ORDER BY client_id;

-- A group: size and shelf together give at most 18 points; the staff parameter and the
-- counters join a group with a floor of 2 and no cap.
SELECT segment.add_group('ruled', 'display', max_points => 18) > 0 AS ok;
SELECT segment.add_group('ruled', 'capacity', 2, NULL) > 0 AS ok;
SELECT segment.set_group('ruled', 'size', 'display'), segment.set_group('ruled', 'shelf', 'display'),
       segment.set_group('ruled', 'staff', 'capacity'), segment.set_group('ruled', 'counters', 'capacity');
SELECT client_id, score, segment, status FROM :asg ORDER BY client_id;
-- O1: 10 + 2 × 6 = 22 capped at 18, staff 1 raised to the floor 2, card 3: 23.
SELECT position, item, kind, value, points, weight, contribution, note FROM segment.explain('ruled', 'O1');
SELECT sum(contribution) AS explained, segment.score('ruled', 'O1') AS score FROM segment.explain('ruled', 'O1');
SELECT ru.consistent();

-- Forced levels: a closed outlet is inactive whatever its points; barter among the payment
-- methods forces C, a number answer of 0 counters forces C, 12 staff force A. The rule
-- defined first wins.
SELECT segment.force_level('ruled', 'status', 'closed', 'inactive') > 0 AS ok;
SELECT segment.force_level('ruled', 'payments', 'barter', 'C') > 0 AS ok;
SELECT segment.force_level('ruled', 'counters', '0.0', 'C') > 0 AS ok;
SELECT segment.force_level('ruled', 'staff', '12', 'A') > 0 AS ok;
SELECT value FROM segment.forced_levels ORDER BY rule_id;
SELECT client_id, score, segment, status, forced FROM :asg ORDER BY client_id;
SELECT segment.answer('ruled', 'O1', 'payments', ARRAY['card', 'barter']);
SELECT segment.answer('ruled', 'O12', 'status', 'closed');
SELECT segment.answer_number('ruled', 'O4', 'counters', 0);
SELECT client_id, score, segment, status, forced FROM :asg ORDER BY client_id;
-- O12 is closed (rule 1) and has 12 staff (rule 4): the first rule wins; explain shows both.
SELECT item, value, note FROM segment.explain('ruled', 'O12') WHERE note IS NOT NULL;
SELECT ru.consistent();

-- A required question: without a shelf answer no segment (unless forced).
SELECT segment.set_required('ruled', 'shelf');
SELECT client_id, score, segment, status, forced, missing FROM :asg ORDER BY client_id;
SELECT item, note FROM segment.explain('ruled', 'O2') WHERE note IS NOT NULL;
SELECT segment.answer('ruled', 'O2', 'shelf', 'long');
SELECT client_id, segment, status, missing FROM :asg WHERE client_id = 'O2';
SELECT ru.consistent();

-- Every write path re-scores the ruled scheme: plain SQL upserts, bulk INSERT … SELECT,
-- UPDATE and DELETE of answers, picks, a client-row parameter's UPDATE, a client's delete.
INSERT INTO :ans (client_id, question_id, option_id)
SELECT 'O5', q.question_id, o.option_id FROM segment.questions q JOIN segment.options o USING (question_id)
WHERE (q.code, o.code) IN (('size', 'big'), ('shelf', 'long'));
INSERT INTO :ans (client_id, question_id, option_id)
SELECT c.code, q.question_id, o.option_id
FROM ru.outlets c, segment.questions q JOIN segment.options o USING (question_id)
WHERE c.code IN ('O6', 'O7', 'O8') AND (q.code, o.code) IN (('size', 'small'), ('shelf', 'short'));
UPDATE :ans SET option_id = (SELECT option_id FROM segment.options WHERE code = 'big')
WHERE client_id = 'O6' AND question_id = (SELECT question_id FROM segment.questions WHERE code = 'size');
DELETE FROM :ans WHERE client_id = 'O7' AND question_id = (SELECT question_id FROM segment.questions WHERE code = 'shelf');
INSERT INTO :picks (client_id, question_id, option_id)
SELECT 'O8', q.question_id, o.option_id FROM segment.questions q JOIN segment.options o USING (question_id)
WHERE q.code = 'payments' AND o.code IN ('barter', 'card');
UPDATE ru.outlets SET staff = 12 WHERE code = 'O5';
UPDATE ru.outlets SET staff = 3 WHERE code = 'O12';
DELETE FROM ru.outlets WHERE code = 'O3';
SELECT client_id, score, segment, status, forced, missing FROM :asg ORDER BY client_id;
SELECT ru.consistent();
-- A rolled-back write leaves nothing behind.
BEGIN;
SELECT segment.answer('ruled', 'O2', 'status', 'open');
SELECT segment_of FROM segment.segment_of('ruled', 'O2');
ROLLBACK;
SELECT segment.segment_of('ruled', 'O2');
-- REPEATABLE READ writers re-score the same way.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT segment.answer('ruled', 'O9', 'size', 'big'), segment.answer('ruled', 'O9', 'shelf', 'long');
COMMIT;
SELECT client_id, score, segment, status FROM :asg WHERE client_id = 'O9';
-- A client deleted under REPEATABLE READ takes its answers with it: nothing is left to score
-- (this transaction's snapshot cannot lock it, and needs not).
BEGIN ISOLATION LEVEL REPEATABLE READ;
DELETE FROM ru.outlets WHERE code = 'O11';
COMMIT;
SELECT count(*) AS assignments_of_o11 FROM :asg WHERE client_id = 'O11';
SELECT ru.consistent();

-- Configuration changes recompute a ruled scheme's clients: a weight, points, a level, the
-- group's cap, a rule's removal, the requirement lifted, the group dropped.
UPDATE segment.questions SET weight = 3 WHERE code = 'shelf';
UPDATE segment.options SET points = 8 WHERE code = 'big';
UPDATE segment.levels SET max_score = 18 WHERE name = 'B';
UPDATE segment.levels SET min_score = 18 WHERE name = 'A';
UPDATE segment.groups SET max_points = 25 WHERE code = 'display';
SELECT client_id, score, segment, status, forced FROM :asg ORDER BY client_id;
SELECT ru.consistent();
DELETE FROM segment.forced_levels WHERE value = 'barter';
SELECT segment.set_required('ruled', 'shelf', false);
SELECT client_id, score, segment, status, forced, missing FROM :asg ORDER BY client_id;
SELECT ru.consistent();
-- A rule names its option, whose code may change: the rule keeps watching it.
UPDATE segment.options SET code = 'shut' WHERE code = 'closed';
UPDATE segment.forced_levels SET level_id = level_id;
SELECT f.value, o.code AS option FROM segment.forced_levels f JOIN segment.options o USING (option_id)
ORDER BY f.rule_id;
UPDATE segment.options SET code = 'closed' WHERE code = 'shut';
-- A level a rule forces cannot go before the rule.
\set VERBOSITY terse
DELETE FROM segment.levels WHERE name = 'inactive';
\set VERBOSITY default
-- Without groups, requirements and forced levels the scheme is a plain sum again.
DELETE FROM segment.groups;
DELETE FROM segment.forced_levels;
SELECT count(*) AS grouped FROM segment.questions WHERE group_id IS NOT NULL;
SELECT client_id, score, segment, status, forced FROM :asg ORDER BY client_id;
SELECT ru.consistent();
SELECT segment.answer('ruled', 'O10', 'size', 'big');
SELECT client_id, score, segment, status FROM :asg WHERE client_id = 'O10';
-- (and a client with answers deleted under REPEATABLE READ in a scheme with parameters)
BEGIN ISOLATION LEVEL REPEATABLE READ;
DELETE FROM ru.outlets WHERE code = 'O10';
COMMIT;
SELECT count(*) AS assignments_of_o10 FROM :asg WHERE client_id = 'O10';
SELECT ru.consistent();

-- A scheme as code keeps its rules: exported, imported under another name, scored alike.
SELECT segment.add_group('ruled', 'display', max_points => 18) > 0 AS ok;
SELECT segment.set_group('ruled', 'size', 'display'), segment.set_group('ruled', 'shelf', 'display');
SELECT segment.force_level('ruled', 'status', 'closed', 'inactive') > 0 AS ok;
SELECT segment.set_required('ruled', 'size');
SELECT jsonb_pretty(d -> 'groups') AS groups, jsonb_pretty(d -> 'forced_levels') AS forced,
       (SELECT jsonb_agg(jsonb_build_array(q ->> 'code', q -> 'required', q -> 'group'))
        FROM jsonb_array_elements(d -> 'questions') q) AS questions
FROM segment.export_scheme('ruled') d;
SELECT segment.import_scheme(jsonb_set(segment.export_scheme('ruled'), '{name}', '"ruled copy"')) > 0 AS ok;
-- (the copy's questions are new ones, without answers: its configuration is compared)
SELECT segment.export_scheme('ruled copy') - 'name' = segment.export_scheme('ruled') - 'name'
       AS same_configuration;
SELECT ru.consistent('ruled copy');

-- Errors: each names what is wrong, with its SQLSTATE, and writes nothing.
SELECT segment.add_group('ruled', 'display');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_group('ruled', 'g', 5, 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_group('ruled', 'g', 1.00001);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_group('ruled', ' ');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_group('ruled', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.set_group('ruled', 'sizes', 'display');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.set_group('ruled', 'size', 'displays');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.force_level('ruled', 'size', 'huge', 'A');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.force_level('ruled', 'size', 'big', 'AA');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.force_level('ruled', 'counters', 'many', 'A');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.force_level('ruled', 'status', 'closed', 'C');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.force_level('ruled', 'counters', '9', 'C') > 0 AS ok;
SELECT segment.force_level('ruled', 'counters', '9.00', 'A');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.set_required('ruled', 'nothing');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('ruled', 'crowded', 'Crowded', 'staff > 8') > 0 AS ok;
SELECT segment.force_level('ruled', 'crowded', 't', 'A');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.force_level('ruled', 'crowded', 'true', 'A') > 0 AS ok;
-- (plain SQL meets the table's constraints)
\set VERBOSITY terse
INSERT INTO segment.groups (scheme_id, code, min_points, max_points)
SELECT scheme_id, 'bad', 3, 2 FROM segment.schemes WHERE name = 'ruled';
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
SELECT count(*) AS groups, (SELECT count(*) FROM segment.forced_levels) AS forced FROM segment.groups;
SELECT ru.consistent();

-- A number parameter is compared without trailing zeros: a numeric(10,2) column's 3 is '3',
-- so a forced level on '3' and a match on '3.00' (stored as '3') both apply, for the
-- trigger's writes, verify, explain and check_scheme alike; a value that is no number is
-- refused (22023).
CREATE TABLE ru.accounts (id integer PRIMARY KEY, rating numeric(10,2), seats integer);
INSERT INTO ru.accounts VALUES (1, 3, 5), (2, 2.5, 5), (3, 3.10, 7);
SELECT segment.create_scheme('scaled', 'ru.accounts') > 0
   AND segment.add_level('scaled', 'low', -999, 10) > 0
   AND segment.add_level('scaled', 'star', 10, 'Infinity') > 0
   AND segment.add_level('scaled', 'watch', -1000, -999) > 0
   AND segment.add_parameter('scaled', 'rating', 'Rating', 'rating') > 0
   AND segment.add_parameter('scaled', 'seats', 'Seats', 'seats') > 0 AS ok;
SELECT segment.add_match('scaled', 'rating', '3.00', 20) > 0
   AND segment.add_match('scaled', 'rating', '2.5', 1) > 0
   AND segment.add_match('scaled', 'rating', '3.1', 2) > 0 AS ok;
SELECT segment.force_level('scaled', 'seats', '7.0', 'watch') > 0 AS ok;
SELECT p.code, m.value FROM segment.parameter_matches m JOIN segment.parameters p USING (parameter_id)
JOIN segment.schemes s USING (scheme_id) WHERE s.name = 'scaled' ORDER BY m.match_id;
SELECT f.value FROM segment.forced_levels f JOIN segment.schemes s USING (scheme_id) WHERE s.name = 'scaled';
SELECT segment.add_match('scaled', 'rating', 'three', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.force_level('scaled', 'seats', 'many', 'watch');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.refresh('scaled') >= 0 AS refreshed;
SELECT id, segment.score('scaled', id), segment.segment_of('scaled', id) FROM ru.accounts ORDER BY id;
SELECT count(*) AS wrong FROM segment.verify('scaled');
SELECT item, value, points FROM segment.explain('scaled', 3) WHERE item IN ('rating', 'seats');
UPDATE ru.accounts SET rating = 3.1, seats = 7 WHERE id = 1;
SELECT segment.segment_of('scaled', 1), segment.score('scaled', 1);
SELECT case_name, actual, passed FROM segment.check_scheme('scaled', '[
  {"name": "3.00 as a number", "parameters": {"rating": 3.00, "seats": 1}, "expected": "star"},
  {"name": "seven seats", "parameters": {"rating": 3, "seats": 7.0}, "expected": "watch"}]');
-- Written in another form, a value that exists is a duplicate (23505, the function's own
-- message); NaN and Infinity are numeric values; an integer parameter takes whole numbers its
-- type holds; anything else, also what overflows numeric, is refused with 22023.
SELECT segment.add_match('scaled', 'rating', '3.000', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.force_level('scaled', 'seats', '7', 'watch');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_match('scaled', 'rating', 'NaN', 1) > 0
   AND segment.add_match('scaled', 'rating', '-infinity', 1) > 0 AS ok;
SELECT segment.add_match('scaled', 'seats', '7.5', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_match('scaled', 'seats', '3000000000', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_match('scaled', 'seats', 'Infinity', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_match('scaled', 'rating', E'\u20033', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_match('scaled', 'rating', '1e99999999999999999999', 1);
\echo :LAST_ERROR_SQLSTATE
SELECT p.code, m.value FROM segment.parameter_matches m JOIN segment.parameters p USING (parameter_id)
JOIN segment.schemes s USING (scheme_id) WHERE s.name = 'scaled' ORDER BY m.match_id;
-- check_scheme compares a case's numbers exactly, also given as strings, and refuses none
SELECT segment.add_match('scaled', 'rating', '0.30000000000000001', 50) > 0 AS ok;
SELECT case_name, actual, passed FROM segment.check_scheme('scaled', '[
  {"name": "3.00 as a string", "parameters": {"rating": "3.00"}, "expected": "star"},
  {"name": "seventeen digits", "parameters": {"rating": 0.30000000000000001}, "expected": "star"},
  {"name": "0.3 is not that", "parameters": {"rating": 0.3}, "expected": "low"},
  {"name": "beyond a double", "parameters": {"rating": 1e309}, "expected": "low"}]');
-- A parameter whose expression changes type has its matches and forced levels written again
-- in the new type's form; one the new type can never take refuses the change (22023).
ALTER TABLE ru.accounts ADD COLUMN grade text, ADD COLUMN stars numeric(6,3);
UPDATE ru.accounts SET grade = 'gold', stars = 3;
SELECT segment.add_parameter('scaled', 'label', 'Label', 'grade') > 0
   AND segment.add_match('scaled', 'label', '3.000', 7) > 0
   AND segment.add_match('scaled', 'label', 'gold', 1) > 0 AS ok;
UPDATE segment.parameters SET expression = 'stars' WHERE code = 'label';
\echo :LAST_ERROR_SQLSTATE
DELETE FROM segment.parameter_matches WHERE value = 'gold';
UPDATE segment.parameters SET expression = 'stars' WHERE code = 'label';
SELECT m.value FROM segment.parameter_matches m JOIN segment.parameters p USING (parameter_id)
WHERE p.code = 'label';
SELECT segment.score('scaled', 2), count(*) AS wrong FROM segment.verify('scaled');
DROP TABLE ru.accounts CASCADE;
