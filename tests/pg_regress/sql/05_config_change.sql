-- Any change of questions, options, weights or levels re-segments every client of the scheme in
-- the same transaction; the version grows and the ledger names the cause.
SELECT version FROM segment.schemes WHERE name = 'bulk';
SELECT * FROM segment.distribution('bulk');

-- More points for an option (plain SQL on the configuration table).
UPDATE segment.options o SET points = 5
FROM segment.questions q JOIN segment.schemes s ON s.scheme_id = q.scheme_id
WHERE o.question_id = q.question_id AND s.name = 'bulk' AND q.code = 'q2' AND o.code = 'o3';
SELECT * FROM segment.distribution('bulk');

-- A heavier question.
UPDATE segment.questions SET weight = 2
WHERE code = 'q5' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bulk');
SELECT * FROM segment.distribution('bulk');

-- New level boundaries, in one transaction: narrow 'low' first, then widen 'mid'.
BEGIN;
UPDATE segment.levels SET max_score = 3
WHERE name = 'low' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bulk');
UPDATE segment.levels SET min_score = 3
WHERE name = 'mid' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bulk');
COMMIT;
SELECT * FROM segment.distribution('bulk');

-- Renaming a level renames the segment of its clients.
UPDATE segment.levels SET name = 'top'
WHERE name = 'high' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bulk');
SELECT * FROM segment.distribution('bulk');

-- Deleting a question removes its answers and re-scores everyone.
DELETE FROM segment.questions
WHERE code = 'q1' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'bulk');
SELECT count(*) AS answers FROM segment.bulk_clients_answers;
SELECT * FROM segment.distribution('bulk');

SELECT version FROM segment.schemes WHERE name = 'bulk';
SELECT cause, count(*) FROM segment.bulk_clients_history GROUP BY cause ORDER BY cause;
-- Every assignment carries the version that last changed it.
SELECT version, count(*) FROM segment.bulk_clients_assignments GROUP BY version ORDER BY version;
SELECT * FROM segment.verify('bulk');

-- Truncating the answers un-categorizes every client, and logs it.
TRUNCATE segment.bulk_clients_answers;
SELECT count(*) AS assignments FROM segment.bulk_clients_assignments;
SELECT cause, count(*) FROM segment.bulk_clients_history GROUP BY cause ORDER BY cause;

-- Dropping a scheme drops its configuration, assignments and history.
SELECT segment.drop_scheme('bulk');
SELECT count(*) AS schemes FROM segment.schemes WHERE name = 'bulk';
SELECT count(*) AS history_rows FROM segment.bulk_clients_history;
