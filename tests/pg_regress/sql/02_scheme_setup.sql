-- Setting up a questionnaire scheme over an existing client table (bigint keys).
CREATE SCHEMA shop;
CREATE TABLE shop.outlets (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO shop.outlets SELECT g, 'Outlet ' || g FROM generate_series(1, 10) g;

SELECT segment.create_scheme('outlet', 'shop.outlets', 'Outlet category') AS scheme_id;

-- Questions: code, prompt, weight (default 1), position (default: at the end).
SELECT segment.add_question('outlet', 'size', 'Sales floor area', 2);
SELECT segment.add_question('outlet', 'traffic', 'Foot traffic');
SELECT segment.add_question('outlet', 'payments', 'Payment discipline', 1.5, 10);

-- Options: code, label, points (may be negative).
SELECT segment.add_option('outlet', 'size', 'small', 'Under 50 m²', 1);
SELECT segment.add_option('outlet', 'size', 'large', 'Over 200 m²', 10);
SELECT segment.add_option('outlet', 'traffic', 'low', 'Low', 0);
SELECT segment.add_option('outlet', 'traffic', 'high', 'High', 5);
SELECT segment.add_option('outlet', 'payments', 'late', 'Often late', -4);
SELECT segment.add_option('outlet', 'payments', 'on_time', 'On time', 2);

-- Levels: [min, max) ranges; Infinity leaves an end open; a gap [10, 15) is allowed.
SELECT segment.add_level('outlet', 'C', '-Infinity', 10);
SELECT segment.add_level('outlet', 'B', 15, 25);
SELECT segment.add_level('outlet', 'A', 25, 'Infinity');

-- What a mobile app renders.
SELECT jsonb_pretty(segment.questionnaire('outlet'));

-- The ids an answer row needs, for plain SQL writers.
SELECT question, option, question_id, option_id, points
FROM segment.answer_options WHERE scheme = 'outlet' ORDER BY question_position, option_position;

-- The relations kept for the client table: client_id has the client key's own type.
SELECT client_table, key_column, key_type, answers_table, assignments_table, history_table
FROM segment.entities;
SELECT attrelid::regclass AS relation, attname, format_type(atttypid, atttypmod)
FROM pg_attribute
WHERE attrelid IN ('segment.shop_outlets_answers'::regclass, 'segment.shop_outlets_assignments'::regclass)
  AND attname = 'client_id';
