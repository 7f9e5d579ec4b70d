-- The answer changes of a DELETE: every old row takes its option away, unless its client was
-- deleted (the client table's delete trigger takes a deleted client's assignments and history
-- with it, so its cascaded answer deletions have nothing to update).
SELECT r.client_id, r.question_id, r.option_id, {{value}} AS value, -1 AS sign
FROM segment_old_rows r
WHERE EXISTS (SELECT 1 FROM {{client_table}} c WHERE c.{{key_column}} = r.client_id)
