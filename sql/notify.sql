-- Events on segment change: segment.notify(scheme, channel) has the scheme's segment changes
-- announced with NOTIFY on a channel. PostgreSQL delivers a NOTIFY at commit, so a rolled-back
-- change notifies nobody; the history table stays the durable outbox that a consumer catches
-- up from by history_id (docs/reference.md, examples/outbox_consumer.py).
--
-- The notifications come from a statement trigger on the history table of each client table
-- one of whose schemes notifies (segment_history_notify, kept in step with this table by
-- segment._sync_notify_triggers): one notification per client whose segment changed, or for a
-- statement that changed more than 100 clients' segments in a scheme, one summary of them.

CREATE TABLE segment.notifications (
    scheme_id integer PRIMARY KEY REFERENCES segment.schemes ON DELETE CASCADE,
    channel   text NOT NULL
              CONSTRAINT notifications_channel_check
              CHECK (channel <> '' AND pg_catalog.octet_length(channel) < 64)
);
SELECT pg_catalog.pg_extension_config_dump('segment.notifications', '');

-- After any statement that appended history rows of a client table one of whose schemes
-- notifies: per scheme, the clients whose segment changed (a score-only change is no event),
-- in history order, each as {scheme, client, old_segment, new_segment, version, history_id};
-- more than 100 of them in one statement as one {scheme, changed, first_history_id,
-- last_history_id}. Runs as the extension's owner: whoever wrote the rows need not read the
-- notifications table.
CREATE FUNCTION segment._history_notify() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    s record;
BEGIN
    FOR s IN
        SELECT h.scheme_id, sc.name, n.channel, pg_catalog.count(*) AS changed,
               pg_catalog.min(h.history_id) AS first_id, pg_catalog.max(h.history_id) AS last_id
        FROM segment_new_rows h
        JOIN segment.notifications n ON n.scheme_id = h.scheme_id
        JOIN segment.schemes sc ON sc.scheme_id = h.scheme_id
        WHERE h.old_segment IS DISTINCT FROM h.new_segment
        GROUP BY h.scheme_id, sc.name, n.channel
        ORDER BY h.scheme_id
    LOOP
        IF s.changed > 100 THEN
            PERFORM pg_catalog.pg_notify(s.channel, pg_catalog.json_build_object(
                'scheme', s.name, 'changed', s.changed,
                'first_history_id', s.first_id, 'last_history_id', s.last_id)::text);
        ELSE
            PERFORM pg_catalog.pg_notify(s.channel, pg_catalog.json_build_object(
                        'scheme', s.name, 'client', CAST(h.client_id AS text),
                        'old_segment', h.old_segment, 'new_segment', h.new_segment,
                        'version', h.version, 'history_id', h.history_id)::text)
            FROM segment_new_rows h
            WHERE h.scheme_id = s.scheme_id AND h.old_segment IS DISTINCT FROM h.new_segment
            ORDER BY h.history_id;
        END IF;
    END LOOP;
    RETURN NULL;
END
$fn$;

-- Gives the history table of every client table one of whose schemes notifies the trigger
-- segment_history_notify, and takes it from the others. Runs as pg_segment's own DDL
-- (segment._notifications_changed), which the guard on pg_segment's tables lets through.
CREATE FUNCTION segment._sync_notify_triggers() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    e record;
BEGIN
    FOR e IN
        SELECT en.history_table,
               EXISTS (SELECT 1 FROM segment.notifications n
                       JOIN segment.schemes s ON s.scheme_id = n.scheme_id
                       WHERE s.entity_id = en.entity_id) AS wanted,
               EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                       WHERE t.tgrelid = en.history_table
                         AND t.tgname = 'segment_history_notify') AS present
        FROM segment.entities en
        WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = en.history_table)
          -- a restore loads the configuration before it creates the tables' triggers, its
          -- own copy of this one included: until the answers trigger is there, leave it be
          AND EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                      WHERE t.tgrelid = en.answers_table AND t.tgname = 'segment_answers_insert')
        ORDER BY en.entity_id
    LOOP
        IF e.wanted AND NOT e.present THEN
            EXECUTE pg_catalog.format(
                'CREATE TRIGGER segment_history_notify AFTER INSERT ON %s '
                'REFERENCING NEW TABLE AS segment_new_rows '
                'FOR EACH STATEMENT EXECUTE FUNCTION segment._history_notify()', e.history_table);
        ELSIF e.present AND NOT e.wanted THEN
            EXECUTE pg_catalog.format('DROP TRIGGER segment_history_notify ON %s', e.history_table);
        END IF;
    END LOOP;
END
$fn$;

REVOKE ALL ON FUNCTION segment._history_notify(), segment._sync_notify_triggers() FROM PUBLIC;

-- The id of the scheme a notification function names: 22004 for NULL, 42704 for no scheme.
CREATE FUNCTION segment._notified_scheme_id(scheme text) RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id integer;
BEGIN
    IF scheme IS NULL THEN
        RAISE EXCEPTION 'scheme must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT s.scheme_id INTO id FROM segment.schemes s WHERE s.name = _notified_scheme_id.scheme;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scheme "%" does not exist', scheme
            USING ERRCODE = 'undefined_object',
                  HINT = 'segment.schemes lists the schemes.';
    END IF;
    RETURN id;
END
$fn$;

-- segment.notify(scheme, channel): turn the scheme's notifications on (or move them to another
-- channel). NULL channel: 'pg_segment'. Runs with the caller's rights on segment.notifications
-- (segment.grant_admin gives them).
CREATE FUNCTION segment.notify(scheme text, channel text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id integer := segment._notified_scheme_id(scheme);
    chosen text := COALESCE(channel, 'pg_segment');
BEGIN
    IF chosen = '' OR pg_catalog.octet_length(chosen) > 63 THEN
        RAISE EXCEPTION 'channel "%" is not a channel name', chosen
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A channel name has 1 to 63 bytes, as LISTEN takes it.';
    END IF;
    INSERT INTO segment.notifications AS n (scheme_id, channel) VALUES (id, chosen)
    ON CONFLICT (scheme_id) DO UPDATE SET channel = EXCLUDED.channel
    WHERE n.channel IS DISTINCT FROM EXCLUDED.channel;
    RETURN chosen;
END
$fn$;

-- segment.stop_notify(scheme): the scheme's notifications off; whether they were on.
CREATE FUNCTION segment.stop_notify(scheme text) RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id integer := segment._notified_scheme_id(scheme);
BEGIN
    DELETE FROM segment.notifications n WHERE n.scheme_id = id;
    RETURN FOUND;
END
$fn$;

COMMENT ON TABLE segment.notifications IS
    'schemes whose segment changes are announced with NOTIFY, and the channel (segment.notify)';
COMMENT ON FUNCTION segment._history_notify() IS
    'internal: NOTIFY of the segment changes a statement appended to a history table';
COMMENT ON FUNCTION segment._sync_notify_triggers() IS
    'internal: the history tables of client tables with a notifying scheme get segment_history_notify, the others lose it';
COMMENT ON FUNCTION segment._notified_scheme_id(text) IS
    'internal: the id of the scheme segment.notify or segment.stop_notify names, or its error';
COMMENT ON FUNCTION segment.notify(text, text) IS
    'announces the scheme''s segment changes with NOTIFY on channel (default pg_segment) at commit; returns the channel';
COMMENT ON FUNCTION segment.stop_notify(text) IS
    'stops announcing the scheme''s segment changes; returns whether they were announced';
