-- Client keys are compared byte for byte: a key column, or a source's client column, under a
-- nondeterministic collation is refused (0A000); a client-row parameter over a string column
-- under one re-scores a change of case, as its value is matched byte for byte. Nondeterministic
-- collations need ICU; a server built without it gives 19_collations_1.out.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA coll;
CREATE COLLATION coll.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE coll.ci_clients (id text COLLATE coll.ci PRIMARY KEY);
SELECT segment.create_scheme('ci_keys', 'coll.ci_clients');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE coll.clients (id text PRIMARY KEY, region text COLLATE coll.ci);
INSERT INTO coll.clients VALUES ('a', 'NORTH'), ('b', 'north');
CREATE TABLE coll.orders (client text COLLATE coll.ci, amount numeric);
SELECT segment.create_scheme('regions', 'coll.clients') > 0 AS ok;
SELECT segment.add_parameter('regions', 'revenue', 'Revenue', 'sum(amount)',
                             source => 'coll.orders', client_column => 'client');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('regions', 'region', 'Region', 'region') > 0
   AND segment.add_match('regions', 'region', 'north', 5) > 0 AS ok;
SELECT client_id, parameter_score FROM segment.coll_clients_assignments ORDER BY client_id;
-- a change of case only is a change of the value
UPDATE coll.clients SET region = 'north' WHERE id = 'a';
UPDATE coll.clients SET region = 'NORTH' WHERE id = 'b';
SELECT client_id, parameter_score FROM segment.coll_clients_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('regions');
-- an array of strings under it is compared byte for byte too (in its text form)
ALTER TABLE coll.clients ADD COLUMN tags text[] COLLATE coll.ci;
UPDATE coll.clients SET tags = '{VIP}';
SELECT segment.add_parameter('regions', 'tag', 'First tag', 'tags[1]') > 0
   AND segment.add_match('regions', 'tag', 'vip', 3) > 0 AS ok;
UPDATE coll.clients SET tags = '{vip}' WHERE id = 'a';
SELECT client_id, parameter_score FROM segment.coll_clients_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('regions');
-- a key column, or a source's client column, given such a collation later is refused as at
-- binding (after the key-update trigger is dropped, as a change of the key's type needs)
BEGIN;
DROP TRIGGER pg_segment_client_rekey ON coll.clients;
ALTER TABLE coll.clients ALTER COLUMN id TYPE text COLLATE coll.ci;
ROLLBACK;
CREATE TABLE coll.payments (client text COLLATE "C", amount numeric);
SELECT segment.add_parameter('regions', 'paid', 'Paid', 'sum(amount)',
                             source => 'coll.payments', client_column => 'client') > 0 AS ok;
ALTER TABLE coll.payments ALTER COLUMN client TYPE text COLLATE coll.ci;
\echo :LAST_ERROR_SQLSTATE
SELECT segment.drop_scheme('regions');
DROP SCHEMA coll CASCADE;
