-- Parameters over related tables: an aggregate over the rows of another table that reference
-- the client (by a column that need not be a declared foreign key, of another integer type),
-- here monthly partitions of orders and a plain payments table; kept current by statement
-- triggers on those tables, each touched client re-scored once per statement.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA rel;
CREATE TABLE rel.customers (id bigint PRIMARY KEY, name text);
INSERT INTO rel.customers SELECT g, 'customer ' || g FROM generate_series(1, 6) g;
CREATE TABLE rel.orders (order_id integer, customer_ref integer, amount numeric,
                         ordered_at date NOT NULL) PARTITION BY RANGE (ordered_at);
CREATE TABLE rel.orders_2026_10 PARTITION OF rel.orders FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
CREATE TABLE rel.orders_2026_11 PARTITION OF rel.orders FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
INSERT INTO rel.orders VALUES (1, 1, 100, '2026-10-05'), (2, 1, 250, '2026-11-02'),
                              (3, 2, 40, '2026-11-10'), (4, 9, 999, '2026-11-11');
SELECT segment.create_scheme('value', 'rel.customers') > 0 AS ok;
SELECT assignments_table AS asg, history_table AS hist FROM segment.entities
WHERE client_table = 'rel.customers'::regclass \gset
SELECT segment.add_level('value', 'bronze', '-Infinity', 3) > 0
   AND segment.add_level('value', 'silver', 3, 6) > 0
   AND segment.add_level('value', 'gold', 6, 'Infinity') > 0 AS ok;
-- revenue: sum over no rows is NULL, so a client without orders misses it
SELECT segment.add_parameter('value', 'revenue', 'Revenue', 'sum(amount)',
                             source => 'rel.orders', client_column => 'customer_ref') > 0 AS ok;
SELECT segment.add_range('value', 'revenue', 0, 200, 1) > 0
   AND segment.add_range('value', 'revenue', 200, 'Infinity', 3) > 0 AS ok;
-- orders: count over no rows is 0, which a range maps
SELECT segment.add_parameter('value', 'orders', 'Orders', 'count(*)',
                             source => 'rel.orders', client_column => 'customer_ref') > 0 AS ok;
SELECT segment.add_range('value', 'orders', 0, 1, 0) > 0
   AND segment.add_range('value', 'orders', 1, 2, 1) > 0
   AND segment.add_range('value', 'orders', 2, 'Infinity', 2) > 0 AS ok;
-- recency: days since the last order, against a date the test controls (a stable function)
SELECT segment.add_parameter('value', 'recency', 'Days since last order',
    $$current_setting('rel.today')::date - max(ordered_at)$$,
    source => 'rel.orders', client_column => 'customer_ref') > 0 AS ok;
\echo :LAST_ERROR_SQLSTATE
SET rel.today = '2026-11-20';
SELECT segment.add_parameter('value', 'recency', 'Days since last order',
    $$current_setting('rel.today')::date - max(ordered_at)$$,
    source => 'rel.orders', client_column => 'customer_ref') > 0 AS ok;
SELECT segment.add_range('value', 'recency', 0, 15, 2) > 0 AS ok;
SELECT code, expression, value_type, columns, source, client_column FROM segment.parameters ORDER BY position;
SELECT client_id, score, parameter_score, segment, missing, status FROM :asg ORDER BY client_id;
SELECT * FROM segment.explain('value', 1);
SELECT * FROM segment.explain('value', 3);
SELECT * FROM segment.verify('value');
SELECT tgrelid::regclass, tgname FROM pg_trigger
WHERE tgname LIKE 'pg_segment_related%' AND NOT tgisinternal ORDER BY 1, 2;

-- The date moves on to the end of November: segment.refresh re-evaluates everyone.
SET rel.today = '2026-11-30';
SELECT segment.refresh('value') AS refreshed;

-- A new order re-scores its client in the same statement; an order of no known client
-- re-scores nobody.
INSERT INTO rel.orders VALUES (5, 3, 500, '2026-11-15');
INSERT INTO rel.orders VALUES (6, 77, 1, '2026-11-15');
SELECT client_id, score, parameter_score, segment FROM :asg WHERE client_id = 3;
-- Bulk: every touched client once per statement.
SELECT coalesce(max(history_id), 0) AS mark FROM :hist \gset
INSERT INTO rel.orders SELECT 100 + g, 1 + g % 6, 10, DATE '2026-10-01' + g FROM generate_series(0, 59) g;
SELECT count(*) AS history_rows, count(DISTINCT client_id) AS clients FROM :hist WHERE history_id > :mark;
SELECT * FROM segment.verify('value');
-- An update that moves an order from one client to another re-scores both.
SELECT coalesce(max(history_id), 0) AS mark FROM :hist \gset
UPDATE rel.orders SET customer_ref = 2 WHERE order_id = 5;
SELECT client_id, old_score, new_score, cause FROM :hist WHERE history_id > :mark ORDER BY client_id;
-- Deletes, and an update that moves rows across partitions, too.
DELETE FROM rel.orders WHERE order_id = 2;
UPDATE rel.orders SET ordered_at = '2026-11-19' WHERE order_id = 1;
SELECT * FROM segment.verify('value');
-- Time passes: recency changes with no write; segment.refresh re-evaluates and says how many
-- assignments changed.
SET rel.today = '2026-12-31';
SELECT count(*) AS stale FROM segment.verify('value');
SELECT segment.refresh('value') AS refreshed;
SELECT * FROM segment.verify('value');
SELECT segment.refresh('value') AS refreshed_again;
-- TRUNCATE of the related table re-scores every client.
TRUNCATE rel.orders;
SELECT client_id, score, parameter_score, segment, status FROM :asg ORDER BY client_id;
SELECT * FROM segment.verify('value');

-- A client whose key changes is re-scored under its new key: related rows follow a key only
-- through a foreign key of their own.
INSERT INTO rel.orders VALUES (900, 6, 10, '2026-11-01');
UPDATE rel.customers SET id = 60 WHERE id = 6;
SELECT client_id, parameter_score FROM :asg WHERE client_id IN (6, 60);
SELECT * FROM segment.verify('value');

-- Bad definitions.
SELECT segment.add_parameter('value', 'bad', 'Bad', '1000 / count(*)', source => 'rel.orders', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
CREATE VIEW rel.order_view AS SELECT * FROM rel.orders;
SELECT segment.add_parameter('value', 'bad', 'Bad', 'count(*)', source => 'rel.order_view', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
DROP VIEW rel.order_view;
SELECT segment.add_parameter('value', 'bad', 'Bad', 'amount', source => 'rel.orders', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('value', 'bad', 'Bad', 'sum(amount)', source => 'rel.orders', client_column => 'no_such');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('value', 'bad', 'Bad', 'sum(amount) + amount', source => 'rel.orders', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('value', 'bad', 'Bad', 'sum(random())', source => 'rel.orders', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('value', 'bad', 'Bad', 'sum(amount) OVER ()', source => 'rel.orders', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('value', 'bad', 'Bad', 'count(*)', source => 'rel.orders', client_column => 'ordered_at');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_parameter('value', 'bad', 'Bad', 'count(*)', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
CREATE ROLE rel_admin;
SELECT segment.grant_admin('rel_admin');
GRANT USAGE ON SCHEMA rel TO rel_admin;
GRANT SELECT, TRIGGER ON rel.customers TO rel_admin;
SET ROLE rel_admin;
SELECT segment.add_parameter('value', 'bad', 'Bad', 'count(*)', source => 'rel.orders', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
GRANT TRIGGER ON rel.orders TO rel_admin;
SET ROLE rel_admin;
SELECT segment.add_parameter('value', 'bad', 'Bad', 'count(*)', source => 'rel.orders', client_column => 'customer_ref');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.refresh('value');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) AS parameters FROM segment.parameters;

-- The related table and the columns parameters read stay while they do.
DROP TABLE rel.orders;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE rel.orders RENAME COLUMN customer_ref TO customer;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE rel.orders RENAME COLUMN amount TO total;
\echo :LAST_ERROR_SQLSTATE
-- nor can a new type change what a parameter gives (sum(double precision) is no numeric) or
-- break its expression (there is no sum(text)); a type that changes neither is followed
ALTER TABLE rel.orders ALTER COLUMN amount TYPE double precision;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE rel.orders ALTER COLUMN amount TYPE text;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE rel.orders ALTER COLUMN amount TYPE numeric(12, 2);
SELECT pg_catalog.format_type(atttypid, atttypmod) AS amount_type FROM pg_attribute
WHERE attrelid = 'rel.orders'::regclass AND attname = 'amount';
SELECT count(*) AS disagreeing FROM segment.verify('value');

-- A statement writing related rows of more than 1,000 clients locks the client table instead
-- of each client's row, and re-scores each client once.
INSERT INTO rel.customers SELECT g, 'bulk ' || g FROM generate_series(100000, 101499) g;
BEGIN;
INSERT INTO rel.orders SELECT g, g, 10, '2026-11-15' FROM generate_series(100000, 101499) g;
SELECT mode FROM pg_locks
WHERE relation = 'rel.customers'::regclass AND pid = pg_backend_pid() AND mode = 'ExclusiveLock';
COMMIT;
SELECT count(*) AS history_rows, count(DISTINCT client_id) AS clients FROM :hist
WHERE client_id >= 100000 AND cause = 'related change';
SELECT count(*) AS disagreeing FROM segment.verify('value');

-- A write for one client reads that client's rows through the indexes: under SERIALIZABLE it
-- predicate-locks pages and rows, never a whole client or related table (which would make
-- every concurrent writer of those tables a serialization failure). 1,500 customers with four
-- orders each, analyzed, as a kept plan must be planned for tables of a few thousand rows.
-- (Adding the parameters above told that no index of rel.orders starts with customer_ref.)
CREATE INDEX ON rel.orders (customer_ref);
INSERT INTO rel.orders SELECT g, 100000 + g % 1500, 1, '2026-10-15'
FROM generate_series(1, 4500) g;
ANALYZE rel.customers, rel.orders;
BEGIN ISOLATION LEVEL SERIALIZABLE;
INSERT INTO rel.orders VALUES (9, 100007, 250, '2026-11-20');
SELECT c.relname, l.locktype FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND l.mode = 'SIReadLock' AND l.locktype = 'relation'
  AND c.relnamespace = 'rel'::regnamespace
ORDER BY 1;
SELECT count(*) FILTER (WHERE l.locktype = 'tuple') > 0 AS rows_locked
FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND l.mode = 'SIReadLock' AND c.relname LIKE 'orders%';
SELECT parameter_score FROM :asg WHERE client_id = 100007;
COMMIT;
SELECT count(*) AS disagreeing FROM segment.verify('value');
DELETE FROM rel.orders WHERE customer_ref >= 100000;
DELETE FROM rel.customers WHERE id >= 100000;

-- Keys that are arrays: a few clients' keys are compared with a semi-join (an integer[][] is
-- an integer[], so = ANY of them would compare arrays with integers).
CREATE TABLE rel.array_clients (id integer[] PRIMARY KEY);
INSERT INTO rel.array_clients VALUES ('{1,2}'), ('{3}');
CREATE TABLE rel.array_orders (client integer[], amount numeric);
CREATE INDEX ON rel.array_orders (client);
SELECT segment.create_scheme('arrays', 'rel.array_clients') > 0 AS ok;
SELECT segment.add_parameter('arrays', 'revenue', 'Revenue', 'sum(amount)',
                             source => 'rel.array_orders', client_column => 'client') > 0 AS ok;
SELECT segment.add_range('arrays', 'revenue', 0, 100, 1) > 0
   AND segment.add_range('arrays', 'revenue', 100, 'Infinity', 2) > 0 AS ok;
INSERT INTO rel.array_orders VALUES ('{1,2}', 10), ('{3}', 100);
UPDATE rel.array_orders SET client = '{3}' WHERE client = '{1,2}';
SELECT client_id, parameter_score FROM segment.rel_array_clients_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('arrays');

-- A client column of another type than the key is compared cast to the key's type, which an
-- index of the column does not serve: the notice names the index of the cast, after which
-- none is given.
CREATE TABLE rel.numeric_clients (id numeric PRIMARY KEY);
CREATE TABLE rel.int_orders (client integer, amount numeric);
CREATE INDEX ON rel.int_orders (client);
SELECT segment.create_scheme('numeric_keys', 'rel.numeric_clients') > 0 AS ok;
SELECT segment.add_parameter('numeric_keys', 'revenue', 'Revenue', 'sum(amount)',
                             source => 'rel.int_orders', client_column => 'client') > 0 AS ok;
CREATE INDEX ON rel.int_orders ((CAST(client AS numeric)));
SELECT segment.add_parameter('numeric_keys', 'orders', 'Orders', 'count(*)',
                             source => 'rel.int_orders', client_column => 'client') > 0 AS ok;
SELECT segment.drop_scheme('arrays');
SELECT segment.drop_scheme('numeric_keys');
DROP TABLE rel.array_orders, rel.int_orders;
DROP TABLE rel.array_clients, rel.numeric_clients CASCADE;

-- Row security forced on a source for its owner, who defined the parameter and whom a policy
-- shows only some of its rows: refused on every evaluation, a write of the source included
-- (0A000), as when the parameter is defined; scored again once the owner sees every row.
CREATE ROLE rel_owner;
SELECT segment.grant_admin('rel_owner');
GRANT USAGE, CREATE ON SCHEMA rel TO rel_owner;
SET ROLE rel_owner;
CREATE TABLE rel.own_clients (id integer PRIMARY KEY);
CREATE TABLE rel.own_orders (client integer, amount numeric);
CREATE INDEX ON rel.own_orders (client);
INSERT INTO rel.own_clients VALUES (1), (2);
INSERT INTO rel.own_orders VALUES (1, 10), (1, 500);
SELECT segment.create_scheme('forced', 'rel.own_clients') > 0 AS ok;
SELECT segment.add_parameter('forced', 'revenue', 'Revenue', 'sum(amount)',
                             source => 'rel.own_orders', client_column => 'client') > 0 AS ok;
SELECT segment.add_range('forced', 'revenue', 0, 'Infinity', 1) > 0 AS ok;
RESET ROLE;
-- Another administrator who may not read the orders may not change the revenue's points
-- either (ranges narrowed at will would show a client's revenue through its score), with the
-- API or plain SQL; once granted the columns, it may.
CREATE ROLE rel_peer;
SELECT segment.grant_admin('rel_peer');
SET ROLE rel_peer;
SELECT segment.add_range('forced', 'revenue', -100, 0, 7);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_match('forced', 'revenue', '510', 7);
\echo :LAST_ERROR_SQLSTATE
UPDATE segment.parameter_ranges SET points = 2;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM segment.parameter_ranges;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE segment.parameter_ranges;
\echo :LAST_ERROR_SQLSTATE
TRUNCATE segment.parameter_matches;
RESET ROLE;
GRANT USAGE ON SCHEMA rel TO rel_peer;
GRANT SELECT (client, amount) ON rel.own_orders TO rel_peer;
SET ROLE rel_peer;
SELECT segment.add_range('forced', 'revenue', -100, 0, 7) > 0 AS ok;
DELETE FROM segment.parameter_ranges WHERE min_value = -100;
RESET ROLE;
SELECT segment.revoke_role('rel_peer');
DROP OWNED BY rel_peer;
DROP ROLE rel_peer;
SET ROLE rel_owner;
CREATE POLICY small ON rel.own_orders USING (amount < 100);
ALTER TABLE rel.own_orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
INSERT INTO rel.own_orders VALUES (2, 5);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM segment.verify('forced');
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE rel.own_orders NO FORCE ROW LEVEL SECURITY;
INSERT INTO rel.own_orders VALUES (2, 5);
SELECT client_id, parameter_score FROM segment.rel_own_clients_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('forced');
SELECT segment.drop_scheme('forced');
DROP TABLE rel.own_orders;
DROP TABLE rel.own_clients CASCADE;
RESET ROLE;
SELECT segment.revoke_role('rel_owner');
DROP OWNED BY rel_owner;
DROP ROLE rel_owner;

-- A related-table trigger dropped by hand is attached again by the next change of the
-- parameters.
DROP TRIGGER pg_segment_related_delete ON rel.orders;
UPDATE segment.parameters SET label = label WHERE code = 'orders';
SELECT tgname FROM pg_trigger
WHERE tgrelid = 'rel.orders'::regclass AND tgname LIKE 'pg_segment_related%' ORDER BY tgname;

-- Dropping the parameters detaches the related table's triggers.
SELECT segment.drop_parameter('value', code) FROM segment.parameters ORDER BY code;
SELECT count(*) AS related_triggers FROM pg_trigger WHERE tgname LIKE 'pg_segment_related%';
SELECT count(*) AS assignments FROM :asg;
DROP TABLE rel.orders;
SELECT segment.drop_scheme('value');
SELECT segment.revoke_role('rel_admin');
DROP OWNED BY rel_admin;
DROP ROLE rel_admin;

-- A client column compared with the key by an equality other than its own type's is refused
-- (0A000), when the parameter is defined and when an ALTER TABLE would make it so: a varchar
-- column against a character(n) key is compared as character, where 'k1' and 'k1 ' are one
-- key but two values of the column (its rows are aggregated by the column's values); numeric
-- against a double precision key likewise. Integer types of other widths, integers against a
-- numeric key (above), and text against a character key (compared as text) are fine.
CREATE TABLE rel.coded (code character(6) PRIMARY KEY);
CREATE TABLE rel.coded_orders (customer varchar(10), customer_text text, amount numeric);
CREATE INDEX ON rel.coded_orders (customer_text);
SELECT segment.create_scheme('coded', 'rel.coded') > 0 AS ok;
SELECT segment.add_parameter('coded', 'spend', 'Spend', 'sum(amount)',
                             source => 'rel.coded_orders', client_column => 'customer');
SELECT segment.add_parameter('coded', 'spend', 'Spend', 'sum(amount)',
                             source => 'rel.coded_orders', client_column => 'customer_text') > 0 AS ok;
ALTER TABLE rel.coded_orders ALTER COLUMN customer_text TYPE varchar(10);
CREATE TABLE rel.measured (id double precision PRIMARY KEY);
CREATE TABLE rel.measured_rows (measure numeric, amount numeric);
SELECT segment.create_scheme('measured', 'rel.measured') > 0 AS ok;
SELECT segment.add_parameter('measured', 'spend', 'Spend', 'sum(amount)',
                             source => 'rel.measured_rows', client_column => 'measure');
-- an equality that reads the session's time zone (timestamp against timestamptz) likewise
CREATE TABLE rel.visits (at timestamptz PRIMARY KEY);
CREATE TABLE rel.visit_rows (at_local timestamp, amount numeric);
SELECT segment.create_scheme('visits', 'rel.visits') > 0 AS ok;
SELECT segment.add_parameter('visits', 'spend', 'Spend', 'sum(amount)',
                             source => 'rel.visit_rows', client_column => 'at_local');
SELECT segment.drop_scheme('coded'), segment.drop_scheme('measured'), segment.drop_scheme('visits');
