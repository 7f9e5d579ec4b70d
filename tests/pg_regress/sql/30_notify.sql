-- segment.notify and segment.stop_notify: arguments, errors, and the history trigger they give
-- and take. (What is sent is checked by the isolation spec notify_changes, which names the
-- sending session rather than its process id, and by tests/outbox.sh.)
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA nt;
CREATE TABLE nt.shops (id integer PRIMARY KEY);
INSERT INTO nt.shops VALUES (1), (2);
SELECT segment.create_scheme('nt_size', 'nt.shops') > 0
   AND segment.add_question('nt_size', 'size', 'Size') > 0
   AND segment.add_option('nt_size', 'size', 'big', 'Big', 10) > 0
   AND segment.add_level('nt_size', 'big', 5, 'Infinity') > 0
   AND segment.create_scheme('nt_other', 'nt.shops') > 0 AS ok;
SELECT history_table AS hist FROM segment.entities WHERE client_table = 'nt.shops'::regclass \gset
CREATE FUNCTION nt.notify_trigger() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM pg_trigger t JOIN segment.entities e ON t.tgrelid = e.history_table
    WHERE e.client_table = 'nt.shops'::regclass AND t.tgname = 'segment_history_notify' $$;

-- Errors: NULL scheme (22004), unknown scheme (42704), a channel LISTEN could not name (22023).
SELECT segment.notify(NULL);
SELECT segment.notify('nt_nope');
SELECT segment.notify('nt_size', '');
SELECT segment.notify('nt_size', repeat('x', 64));
SELECT segment.stop_notify('nt_nope');
SELECT count(*) AS rows_after_errors, nt.notify_trigger() AS triggers FROM segment.notifications;

-- On: the default channel, then another; the history gets its trigger once.
SELECT segment.notify('nt_size');
SELECT segment.notify('nt_size', 'Shop Changes');
SELECT segment.notify('nt_other', 'other');
SELECT s.name, n.channel FROM segment.notifications n JOIN segment.schemes s USING (scheme_id)
ORDER BY s.name;
SELECT nt.notify_trigger() AS triggers;
-- Writes still score (the SQL path takes them while the trigger is there).
SELECT segment.answer('nt_size', 1, 'size', 'big');
SELECT client_id, new_score, new_segment FROM :hist ORDER BY history_id;

-- Off: the trigger goes with the table's last notifying scheme; a scheme's drop takes its row.
SELECT segment.stop_notify('nt_size'), segment.stop_notify('nt_size') AS again;
SELECT nt.notify_trigger() AS triggers;
SELECT segment.drop_scheme('nt_other');
SELECT count(*) AS rows_left, nt.notify_trigger() AS triggers FROM segment.notifications;
-- Plain SQL on the table works the same way.
INSERT INTO segment.notifications SELECT scheme_id, 'plain' FROM segment.schemes WHERE name = 'nt_size';
SELECT nt.notify_trigger() AS triggers;
\set VERBOSITY terse
UPDATE segment.notifications SET channel = '';
\set VERBOSITY default
TRUNCATE segment.notifications;
SELECT nt.notify_trigger() AS triggers;
SELECT segment.drop_scheme('nt_size');
SET client_min_messages = warning;
DROP SCHEMA nt CASCADE;
RESET client_min_messages;
