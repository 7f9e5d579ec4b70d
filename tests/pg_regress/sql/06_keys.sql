-- Client tables keyed by uuid, text and integer: answers and assignments use the same type,
-- so joins need no casts, and the API takes the key in its own type (or a literal of it).
CREATE SCHEMA people;
CREATE TABLE people.persons (id uuid PRIMARY KEY, name text);
INSERT INTO people.persons VALUES
  ('00000000-0000-0000-0000-000000000001', 'Ana'),
  ('00000000-0000-0000-0000-000000000002', 'Bruno');
CREATE TABLE people.accounts (code text PRIMARY KEY, holder text);
INSERT INTO people.accounts VALUES ('ACC-1', 'Ana'), ('ACC-2', 'Bruno');

SELECT segment.create_scheme('value', 'people.persons') > 0 AS created;
SELECT segment.add_question('value', 'frequency', 'How often?') > 0 AS q;
SELECT segment.add_option('value', 'frequency', 'weekly', 'Weekly', 4) > 0 AS o1,
       segment.add_option('value', 'frequency', 'rarely', 'Rarely', 0) > 0 AS o2;
SELECT segment.add_level('value', 'gold', 3, 'Infinity') > 0 AS gold,
       segment.add_level('value', 'bronze', '-Infinity', 3) > 0 AS bronze;

-- a uuid typed value and a text literal both work
SELECT segment.answer('value', '00000000-0000-0000-0000-000000000001'::uuid, 'frequency', 'weekly');
SELECT segment.answer('value', '00000000-0000-0000-0000-000000000002', 'frequency', 'rarely');
SELECT p.name, a.score, a.segment
FROM people.persons p JOIN segment.people_persons_assignments a ON a.client_id = p.id
ORDER BY p.name;

-- text keys
SELECT segment.create_scheme('risk', 'people.accounts') > 0 AS created;
SELECT segment.add_question('risk', 'overdue', 'Overdue payments?') > 0 AS q;
SELECT segment.add_option('risk', 'overdue', 'yes', 'Yes', 10) > 0 AS o1,
       segment.add_option('risk', 'overdue', 'no', 'No', 0) > 0 AS o2;
SELECT segment.add_level('risk', 'high', 5, 'Infinity') > 0 AS high;
SELECT segment.answer('risk', 'ACC-1', 'overdue', 'yes');
SELECT segment.answer('risk', 'ACC-2'::text, 'overdue', 'no');
SELECT a.client_id, a.score, a.segment, pg_typeof(a.client_id)
FROM segment.people_accounts_assignments a ORDER BY a.client_id;
SELECT * FROM segment.distribution('risk');

-- several schemes over one table share its answers table
SELECT segment.create_scheme('engagement', 'people.persons') > 0 AS created;
SELECT count(*) AS entities FROM segment.entities WHERE client_table = 'people.persons'::regclass;
SELECT segment.add_question('engagement', 'newsletter', 'Reads the newsletter?') > 0 AS q;
SELECT segment.add_option('engagement', 'newsletter', 'yes', 'Yes', 1) > 0 AS o;
SELECT segment.add_level('engagement', 'engaged', 1, 'Infinity') > 0 AS l;
SELECT segment.answer('engagement', '00000000-0000-0000-0000-000000000001'::uuid, 'newsletter', 'yes');
SELECT s.name AS scheme, p.name, a.score, a.segment
FROM segment.people_persons_assignments a
JOIN segment.schemes s ON s.scheme_id = a.scheme_id
JOIN people.persons p ON p.id = a.client_id
ORDER BY 1, 2;
SELECT * FROM segment.verify('value');
SELECT * FROM segment.verify('engagement');
