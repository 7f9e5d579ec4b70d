-- A change of levels, weights or points over many clients is planned on the statistics of the
-- assignments and answers tables. Statistics that count no row on tables that hold rows (never
-- analysed, or analysed by an autoanalyze while a bulk load's rows were not committed yet)
-- made plans that read a whole table once per moved client (by hand, over a million clients: a
-- level change 47 s instead of 1.5, a points change over a minute). Such tables are analysed
-- first; tables whose statistics count rows are left alone. Told here by pg_class.reltuples.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA us;
CREATE TABLE us.clients (id integer PRIMARY KEY);
INSERT INTO us.clients SELECT generate_series(1, 20000);
SELECT segment.create_scheme('uncounted', 'us.clients') > 0
   AND segment.add_question('uncounted', 'q', 'Question', 2) > 0
   AND segment.add_option('uncounted', 'q', 'rare', 'Rare', 1) > 0
   AND segment.add_option('uncounted', 'q', 'common', 'Common', 2) > 0
   AND segment.add_level('uncounted', 'low', '-Infinity', 5) > 0
   AND segment.add_level('uncounted', 'high', 5, 'Infinity') > 0 AS ok;
SELECT answers_table AS answers, assignments_table AS assignments, history_table AS hist
FROM segment.entities WHERE client_table = 'us.clients'::regclass \gset
-- 1,000 clients chose 'rare', 19,000 'common'
INSERT INTO :answers (client_id, question_id, option_id)
SELECT c, o.question_id, o.option_id
FROM generate_series(1, 20000) c
JOIN segment.options o ON o.code = CASE WHEN c <= 1000 THEN 'rare' ELSE 'common' END
JOIN segment.questions q ON q.question_id = o.question_id AND q.code = 'q'
JOIN segment.schemes s ON s.scheme_id = q.scheme_id AND s.name = 'uncounted';
CREATE FUNCTION us.counted() RETURNS TABLE (relation text, rows_counted boolean,
    column_statistics boolean)
LANGUAGE sql AS $$
    SELECT CASE c.oid WHEN e.answers_table THEN 'answers' ELSE 'assignments' END,
           c.reltuples > 0,
           EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = 'segment' AND s.tablename = c.relname)
    FROM pg_class c JOIN segment.entities e
      ON c.oid IN (e.answers_table, e.assignments_table)
    WHERE e.client_table = 'us.clients'::regclass ORDER BY 1 $$;
CREATE FUNCTION us.option_points(code text, points numeric) RETURNS void LANGUAGE sql AS $$
    UPDATE segment.options o SET points = $2
    FROM segment.questions q, segment.schemes s
    WHERE o.code = $1 AND q.question_id = o.question_id AND s.scheme_id = q.scheme_id
      AND s.name = 'uncounted' $$;
-- never analysed (before: the plan of this change re-read every moved row id per moved client);
-- a change rolled back takes the column statistics back but leaves the row counts, and the next
-- change analyses again
SELECT * FROM us.counted();
BEGIN;
SELECT us.option_points('common', 5);
ROLLBACK;
SELECT * FROM us.counted();
SELECT us.option_points('common', 3);
SELECT * FROM us.counted();
-- With statistics in place, a change that moves few clients (1,000 of 20,000 chose 'rare')
-- finds each one's assignment by key, without a scan of the table (the table's scans in this
-- transaction, before and after). On a table this small the planner chose that plan by itself
-- before too; over a million clients it hashed every assignment (bench/results/report.md).
CREATE FUNCTION us.assignment_scans(OUT seq bigint, OUT idx bigint) LANGUAGE sql AS $$
    SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_xact_user_tables
    WHERE relid = (SELECT assignments_table FROM segment.entities
                   WHERE client_table = 'us.clients'::regclass) $$;
BEGIN;
SELECT seq AS seq0, idx AS idx0 FROM us.assignment_scans() \gset
SELECT us.option_points('rare', 3);
SELECT seq - :seq0 = 0 AS no_table_scan, idx - :idx0 >= 1000 AS found_by_key FROM us.assignment_scans();
COMMIT;
-- what an autoanalyze during an uncommitted bulk load leaves: no row over every page
UPDATE pg_class SET reltuples = 0 WHERE oid = :'assignments'::regclass;
UPDATE segment.levels SET min_score = 7
WHERE name = 'high' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'uncounted');
SELECT * FROM us.counted();
UPDATE pg_class SET reltuples = 0 WHERE oid IN (:'assignments'::regclass, :'answers'::regclass);
UPDATE segment.questions SET weight = 3
WHERE code = 'q' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'uncounted');
SELECT * FROM us.counted();
-- statistics that count rows are kept as they are (no ANALYZE of its own: the figure stays)
UPDATE pg_class SET reltuples = 12345 WHERE oid = :'assignments'::regclass;
SELECT us.option_points('rare', 4);
SELECT reltuples FROM pg_class WHERE oid = :'assignments'::regclass;
-- an empty table is not analysed either
CREATE TABLE us.empty_clients (id integer PRIMARY KEY);
SELECT segment.create_scheme('uncounted_empty', 'us.empty_clients') > 0
   AND segment.add_question('uncounted_empty', 'q', 'Question') > 0
   AND segment.add_option('uncounted_empty', 'q', 'o', 'O', 1) > 0
   AND segment.add_level('uncounted_empty', 'any', '-Infinity', 'Infinity') > 0 AS ok;
UPDATE segment.options SET points = 2
WHERE code = 'o' AND question_id IN (SELECT question_id FROM segment.questions q
    JOIN segment.schemes s USING (scheme_id) WHERE s.name = 'uncounted_empty');
SELECT c.reltuples FROM pg_class c JOIN segment.entities e ON c.oid = e.assignments_table
WHERE e.client_table = 'us.empty_clients'::regclass;
-- Every client is where a full recompute puts it, and the history holds each move once.
SELECT count(*) AS wrong FROM segment.verify('uncounted');
SELECT format('SELECT score, segment, count(*) FROM %s GROUP BY 1, 2 ORDER BY 1, 2', :'assignments') \gexec
SELECT format('SELECT cause, count(*) FROM %s GROUP BY 1 ORDER BY 1', :'hist') \gexec
DROP SCHEMA us CASCADE;
