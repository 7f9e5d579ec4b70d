-- For segment.notifications' trigger: each client table's history table (as regclass prints
-- it), whether one of its schemes notifies, and whether it has the trigger segment_history_notify
-- now. Tables a restore has not given their triggers yet (its data load runs before its post-data
-- section, which brings this trigger too) are left out.
SELECT en.history_table::text,
       EXISTS (SELECT 1 FROM segment.notifications n
               JOIN segment.schemes s ON s.scheme_id = n.scheme_id
               WHERE s.entity_id = en.entity_id)::text,
       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
               WHERE t.tgrelid = en.history_table AND t.tgname = 'segment_history_notify')::text
FROM segment.entities en
WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = en.history_table)
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
              WHERE t.tgrelid = en.answers_table AND t.tgname = 'segment_answers_insert')
ORDER BY en.entity_id
