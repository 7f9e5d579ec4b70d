-- An UPDATE of a client row that changes a column some parameter reads writes the client's
-- assignment directly once its parameters are evaluated (no upsert statement), unless
-- pg_segment.direct_writes is off. The same workload against two client tables, one on each
-- path, leaves the same assignments and the same history.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA pupd;
CREATE FUNCTION pupd.define(side text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    scheme text := 'pupd_' || side;
BEGIN
    EXECUTE format('CREATE TABLE pupd.%I (id integer PRIMARY KEY, employees integer,
                    region text, revenue numeric, key_account boolean, note text)', side);
    EXECUTE format('CREATE TABLE pupd.%I (customer integer, amount numeric)', side || '_orders');
    EXECUTE format('CREATE INDEX ON pupd.%I (customer)', side || '_orders');
    EXECUTE format('INSERT INTO pupd.%I SELECT g, g * 7, CASE WHEN g %% 5 <> 0 THEN ''north'' END,
                    g * 1000, g %% 3 = 0, ''x'' FROM generate_series(1, 24) g', side);
    EXECUTE format('INSERT INTO pupd.%I SELECT g, 10 * g FROM generate_series(1, 24, 2) g', side || '_orders');
    PERFORM segment.create_scheme(scheme, format('pupd.%I', side)::regclass);
    PERFORM segment.add_level(scheme, 'low', '-Infinity', 4);
    PERFORM segment.add_level(scheme, 'mid', 4, 9);
    PERFORM segment.add_level(scheme, 'high', 10, 'Infinity'); -- [9, 10) is a gap
    PERFORM segment.add_parameter(scheme, 'staff', 'Employees', 'employees', weight => 2);
    PERFORM segment.add_range(scheme, 'staff', '-Infinity', 50, 0);
    PERFORM segment.add_range(scheme, 'staff', 50, 100, 1);
    PERFORM segment.add_range(scheme, 'staff', 100, 'Infinity', 2.5);
    PERFORM segment.add_parameter(scheme, 'region', 'Region', 'upper(region)', required => true);
    PERFORM segment.add_match(scheme, 'region', 'NORTH', 1);
    PERFORM segment.add_match(scheme, 'region', 'SOUTH', -1);
    PERFORM segment.add_parameter(scheme, 'revenue', 'Revenue', 'revenue / 1000', weight => 0.5);
    PERFORM segment.add_range(scheme, 'revenue', 0, 10, 1);
    PERFORM segment.add_range(scheme, 'revenue', 10, 'Infinity', 3);
    PERFORM segment.add_parameter(scheme, 'key', 'Key account', 'key_account');
    PERFORM segment.add_match(scheme, 'key', 'true', 2);
    PERFORM segment.add_parameter(scheme, 'spend', 'Spend', 'sum(amount)',
                                  source => format('pupd.%I', side || '_orders')::regclass,
                                  client_column => 'customer');
    PERFORM segment.add_range(scheme, 'spend', 0, 100, 1);
    PERFORM segment.add_range(scheme, 'spend', 100, 'Infinity', 2);
    PERFORM segment.add_question(scheme, 'visit', 'Visited?', 1, 1);
    PERFORM segment.add_option(scheme, 'visit', 'yes', 'Yes', 1, 1);
    PERFORM segment.add_option(scheme, 'visit', 'no', 'No', 0, 2);
END $$;
SELECT pupd.define('fast'), pupd.define('slow');
SELECT assignments_table FROM segment.entities WHERE client_table::text LIKE 'pupd.%' ORDER BY 1;

-- Single-row UPDATEs: across ranges and within one, a match changed, a required parameter
-- lost and found again, every value of a client gone (its assignment then holds no parameter
-- points) and back, a client with an answer, several columns at once, a column no parameter
-- reads, two rows in one statement, the key with a parameter column.
CREATE FUNCTION pupd.workload(side text, scheme text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM segment.answer(scheme, 4, 'visit', 'yes');
    EXECUTE format('UPDATE pupd.%I SET employees = 120 WHERE id = 1', side);   -- 0 -> 2.5 points
    EXECUTE format('UPDATE pupd.%I SET employees = 130 WHERE id = 1', side);   -- the same points
    EXECUTE format('UPDATE pupd.%I SET employees = 60 WHERE id = 2', side);
    EXECUTE format('UPDATE pupd.%I SET region = ''south'' WHERE id = 3', side);
    EXECUTE format('UPDATE pupd.%I SET region = NULL WHERE id = 4', side);     -- required: missing
    EXECUTE format('UPDATE pupd.%I SET employees = 200 WHERE id = 4', side);   -- still missing
    EXECUTE format('UPDATE pupd.%I SET region = ''North'' WHERE id = 4', side);-- found again
    EXECUTE format('UPDATE pupd.%I SET region = ''west'' WHERE id = 5', side); -- matches nothing
    EXECUTE format('UPDATE pupd.%I SET employees = NULL, region = NULL, revenue = NULL,
                    key_account = NULL WHERE id = 6', side);                   -- no value left
    EXECUTE format('UPDATE pupd.%I SET employees = 90, region = ''north'', revenue = 25000,
                    key_account = true WHERE id = 6', side);                   -- all back
    EXECUTE format('UPDATE pupd.%I SET revenue = 15000 WHERE id = 7', side);
    EXECUTE format('UPDATE pupd.%I SET key_account = NOT key_account WHERE id = 9', side);
    EXECUTE format('UPDATE pupd.%I SET note = ''y'' WHERE id = 10', side);
    EXECUTE format('UPDATE pupd.%I SET employees = employees + 60 WHERE id IN (11, 12)', side);
    EXECUTE format('UPDATE pupd.%I SET id = 100, employees = 5 WHERE id = 13', side);
    EXECUTE format('UPDATE pupd.%I SET revenue = 1e30 WHERE id = 14', side);  -- a large value
    EXECUTE format('UPDATE pupd.%I SET employees = 75 WHERE id = 1', side);
END $$;
SET pg_segment.direct_writes = on;
SELECT pupd.workload('fast', 'pupd_fast');
SET pg_segment.direct_writes = off;
SELECT pupd.workload('slow', 'pupd_slow');
RESET pg_segment.direct_writes;

-- The same assignments and history on both paths.
CREATE VIEW pupd.assignments AS
    SELECT 'fast' AS side, client_id, score, answered, segment, version, parameter_score, missing,
           status, previous_score, previous_segment FROM segment.pupd_fast_assignments
    UNION ALL
    SELECT 'slow', client_id, score, answered, segment, version, parameter_score, missing,
           status, previous_score, previous_segment FROM segment.pupd_slow_assignments;
CREATE VIEW pupd.history AS
    SELECT 'fast' AS side, client_id, old_score, new_score, old_segment, new_segment, cause,
           version, row_number() OVER (PARTITION BY client_id ORDER BY history_id) AS n
    FROM segment.pupd_fast_history
    UNION ALL
    SELECT 'slow', client_id, old_score, new_score, old_segment, new_segment, cause, version,
           row_number() OVER (PARTITION BY client_id ORDER BY history_id)
    FROM segment.pupd_slow_history;
SELECT count(*) AS assignments_differing FROM (
    (SELECT client_id, score, answered, segment, version, parameter_score, missing, status,
            previous_score, previous_segment FROM pupd.assignments WHERE side = 'fast'
     EXCEPT ALL
     SELECT client_id, score, answered, segment, version, parameter_score, missing, status,
            previous_score, previous_segment FROM pupd.assignments WHERE side = 'slow')
    UNION ALL
    (SELECT client_id, score, answered, segment, version, parameter_score, missing, status,
            previous_score, previous_segment FROM pupd.assignments WHERE side = 'slow'
     EXCEPT ALL
     SELECT client_id, score, answered, segment, version, parameter_score, missing, status,
            previous_score, previous_segment FROM pupd.assignments WHERE side = 'fast')) d;
SELECT count(*) AS history_differing FROM (
    (SELECT client_id, old_score, new_score, old_segment, new_segment, cause, version, n
     FROM pupd.history WHERE side = 'fast'
     EXCEPT ALL
     SELECT client_id, old_score, new_score, old_segment, new_segment, cause, version, n
     FROM pupd.history WHERE side = 'slow')
    UNION ALL
    (SELECT client_id, old_score, new_score, old_segment, new_segment, cause, version, n
     FROM pupd.history WHERE side = 'slow'
     EXCEPT ALL
     SELECT client_id, old_score, new_score, old_segment, new_segment, cause, version, n
     FROM pupd.history WHERE side = 'fast')) d;
-- what the workload did (fast side)
SELECT client_id, score, answered, segment, parameter_score, missing, status
FROM pupd.assignments WHERE side = 'fast' AND client_id IN (1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 14, 100)
ORDER BY client_id;
SELECT client_id, old_score, new_score, old_segment, new_segment, cause
FROM pupd.history WHERE side = 'fast' AND cause = 'client change' ORDER BY client_id, n;
SELECT count(*) AS unverified FROM segment.verify('pupd_fast');
SELECT count(*) AS unverified FROM segment.verify('pupd_slow');

-- A DBA's BEFORE UPDATE row trigger on the assignments that changes the row or skips it: the
-- history records what was stored (such a table's writes run as SQL on both sides).
CREATE FUNCTION pupd.dba_before() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.client_id = 18 THEN
        RETURN NULL;
    END IF;
    NEW.segment := upper(NEW.segment);
    RETURN NEW;
END $$;
CREATE TRIGGER dba_before BEFORE UPDATE ON segment.pupd_fast_assignments
    FOR EACH ROW EXECUTE FUNCTION pupd.dba_before();
CREATE TRIGGER dba_before BEFORE UPDATE ON segment.pupd_slow_assignments
    FOR EACH ROW EXECUTE FUNCTION pupd.dba_before();
UPDATE pupd.fast SET employees = 10 WHERE id IN (17, 18);
SET pg_segment.direct_writes = off;
UPDATE pupd.slow SET employees = 10 WHERE id IN (17, 18);
RESET pg_segment.direct_writes;
SELECT side, client_id, old_segment, new_segment FROM pupd.history
WHERE client_id IN (17, 18) AND cause = 'client change' ORDER BY side, client_id, n;
SELECT side, client_id, segment FROM pupd.assignments WHERE client_id IN (17, 18)
ORDER BY side, client_id;
DROP TRIGGER dba_before ON segment.pupd_fast_assignments;
DROP TRIGGER dba_before ON segment.pupd_slow_assignments;

-- Concurrent writers of the same client wait for the UPDATE's row lock; within one
-- transaction, an UPDATE after the client's answer and order adds to what they wrote.
BEGIN;
SELECT segment.answer('pupd_fast', 8, 'visit', 'yes');
INSERT INTO pupd.fast_orders VALUES (8, 500);
UPDATE pupd.fast SET employees = 300 WHERE id = 8;
SELECT score, answered, segment, parameter_score FROM segment.pupd_fast_assignments WHERE client_id = 8;
COMMIT;
SELECT count(*) AS unverified FROM segment.verify('pupd_fast');

-- Under REPEATABLE READ the SQL path applies the change (the direct write takes READ COMMITTED
-- only): the same result.
BEGIN ISOLATION LEVEL REPEATABLE READ;
UPDATE pupd.fast SET employees = 10 WHERE id = 8;
COMMIT;
SELECT score, segment, parameter_score FROM segment.pupd_fast_assignments WHERE client_id = 8;
SELECT count(*) AS unverified FROM segment.verify('pupd_fast');

-- Which path wrote: SQL's statement looks the level up in segment.levels, the direct write in
-- the compiled configuration (read before, by the writes above). (A transaction's counts of
-- table reads include earlier transactions' not yet reported: the difference is the UPDATE's.)
CREATE FUNCTION pupd.levels_reads() RETURNS bigint LANGUAGE sql AS $$
    SELECT seq_scan + COALESCE(idx_scan, 0) FROM pg_stat_xact_user_tables
    WHERE relid = 'segment.levels'::regclass $$;
BEGIN;
SELECT pupd.levels_reads() AS before \gset
UPDATE pupd.fast SET employees = 20 WHERE id = 2;
SELECT pupd.levels_reads() - :before AS levels_read_by_direct_write;
COMMIT;
SET pg_segment.direct_writes = off;
BEGIN;
SELECT pupd.levels_reads() AS before \gset
UPDATE pupd.fast SET employees = 70 WHERE id = 2;
SELECT pupd.levels_reads() - :before > 0 AS levels_read_by_sql;
COMMIT;
RESET pg_segment.direct_writes;
SELECT count(*) AS unverified FROM segment.verify('pupd_fast');
