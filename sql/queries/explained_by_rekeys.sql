-- Whether the running UPDATE on the answers is exactly the foreign key's cascade of the key
-- changes the client-table trigger applied: the old rows, with their clients' keys changed as
-- recorded, are the new rows (of the answers or of the picks, whose value is NULL). $1 old
-- keys, $2 new keys, as text, pairwise.
WITH moves AS (
    SELECT * FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) m(o, n)),
mapped AS (
    SELECT m.n AS client, r.question_id, r.option_id, {{value}} AS value
    FROM segment_old_rows r JOIN moves m ON m.o = r.client_id::text)
SELECT (SELECT pg_catalog.count(*) FROM segment_old_rows) = (SELECT pg_catalog.count(*) FROM mapped)
   AND NOT EXISTS (SELECT client, question_id, option_id, value FROM mapped
                   EXCEPT ALL
                   SELECT client_id::text, question_id, option_id, {{value}} FROM segment_new_rows)
   AND NOT EXISTS (SELECT client_id::text, question_id, option_id, {{value}} FROM segment_new_rows
                   EXCEPT ALL
                   SELECT client, question_id, option_id, value FROM mapped)
