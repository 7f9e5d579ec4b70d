-- Whether the running UPDATE on the answers is exactly the foreign key's cascade of the key
-- changes the client-table trigger applied: the old rows, with their clients' keys changed as
-- recorded, are the new rows (of the answers or of the picks, whose value is NULL). $1 old
-- keys, $2 new keys, in the text form of the key type's output function, pairwise; compared as
-- keys (a character(n) key's text keeps its padding, which a cast of the column to text drops).
WITH moves AS (
    SELECT CAST(m.o AS {{key_type}}) AS o, CAST(m.n AS {{key_type}}) AS n
    FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[])) m(o, n)),
mapped AS (
    SELECT m.n AS client, r.question_id, r.option_id, {{value}} AS value
    FROM segment_old_rows r JOIN moves m ON m.o = r.client_id)
SELECT (SELECT pg_catalog.count(*) FROM segment_old_rows) = (SELECT pg_catalog.count(*) FROM mapped)
   AND NOT EXISTS (SELECT client, question_id, option_id, value FROM mapped
                   EXCEPT ALL
                   SELECT client_id, question_id, option_id, {{value}} FROM segment_new_rows)
   AND NOT EXISTS (SELECT client_id, question_id, option_id, {{value}} FROM segment_new_rows
                   EXCEPT ALL
                   SELECT client, question_id, option_id, value FROM mapped)
