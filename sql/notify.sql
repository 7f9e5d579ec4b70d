-- Events on segment change: segment.notify(scheme, channel) has the scheme's segment changes
-- announced with NOTIFY on a channel. PostgreSQL delivers a NOTIFY at commit, so a rolled-back
-- change notifies nobody; the history table stays the durable outbox that a consumer catches
-- up from by history_id (docs/reference.md, examples/outbox_consumer.py).
--
-- The notifications come from a statement trigger on the history table of each client table
-- one of whose schemes notifies (segment_history_notify, kept in step with this table by its
-- statement trigger, segment._notifications_changed): one notification per client whose
-- segment changed, or for a statement that changed more than 100 clients' segments in a
-- scheme, one summary of them.

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
-- last_history_id}. A payload NOTIFY would refuse (8000 bytes or more: long level names or
-- keys) goes as the summary of that one change, with the scheme's id instead of its name if
-- that is still too long. Keys print under fixed settings (ISO dates, UTC, exact floats), as
-- every session parses them back. Runs as the extension's owner: whoever wrote the rows need
-- not read the notifications table.
CREATE FUNCTION segment._history_notify() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET DateStyle = 'ISO, YMD'
SET IntervalStyle = 'postgres'
SET TimeZone = 'UTC'
SET extra_float_digits = 1
SET bytea_output = 'hex'
AS $fn$
DECLARE
    s record;
    h record;
    payload text;
BEGIN
    FOR s IN
        SELECT r.scheme_id, sc.name, n.channel, pg_catalog.count(*) AS changed,
               pg_catalog.min(r.history_id) AS first_id, pg_catalog.max(r.history_id) AS last_id
        FROM segment_new_rows r
        JOIN segment.notifications n ON n.scheme_id = r.scheme_id
        JOIN segment.schemes sc ON sc.scheme_id = r.scheme_id
        WHERE r.old_segment IS DISTINCT FROM r.new_segment
        GROUP BY r.scheme_id, sc.name, n.channel
        ORDER BY r.scheme_id
    LOOP
        IF s.changed > 100 THEN
            PERFORM pg_catalog.pg_notify(s.channel, segment._notification_summary(
                s.scheme_id, s.name, s.changed, s.first_id, s.last_id));
            CONTINUE;
        END IF;
        FOR h IN
            SELECT r.client_id, r.old_segment, r.new_segment, r.version, r.history_id
            FROM segment_new_rows r
            WHERE r.scheme_id = s.scheme_id AND r.old_segment IS DISTINCT FROM r.new_segment
            ORDER BY r.history_id
        LOOP
            payload := pg_catalog.json_build_object(
                'scheme', s.name, 'client', CAST(h.client_id AS text),
                'old_segment', h.old_segment, 'new_segment', h.new_segment,
                'version', h.version, 'history_id', h.history_id)::text;
            IF pg_catalog.octet_length(payload) >= 8000 THEN
                payload := segment._notification_summary(
                    s.scheme_id, s.name, 1, h.history_id, h.history_id);
            END IF;
            PERFORM pg_catalog.pg_notify(s.channel, payload);
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$fn$;

-- A summary payload: {scheme, changed, first_history_id, last_history_id}, or with scheme_id
-- for a scheme whose name would make it too long for NOTIFY.
CREATE FUNCTION segment._notification_summary(scheme_id integer, name text, changed bigint,
                                              first_id bigint, last_id bigint) RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN (SELECT CASE WHEN pg_catalog.octet_length(p.named) < 8000 THEN p.named
                    ELSE pg_catalog.json_build_object('scheme_id', scheme_id, 'changed', changed,
                             'first_history_id', first_id, 'last_history_id', last_id)::text END
        FROM (SELECT pg_catalog.json_build_object('scheme', name, 'changed', changed,
                         'first_history_id', first_id, 'last_history_id', last_id)::text
              AS named) p);

REVOKE ALL ON FUNCTION segment._history_notify() FROM PUBLIC;

-- The id of the scheme a notification function names: 22004 for NULL, 42704 for no scheme.
CREATE FUNCTION segment._notified_scheme_id(scheme text) RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    id integer;
    is_draft boolean;
BEGIN
    IF scheme IS NULL THEN
        RAISE EXCEPTION 'scheme must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT s.scheme_id, s.draft_of IS NOT NULL INTO id, is_draft
    FROM segment.schemes s WHERE s.name = _notified_scheme_id.scheme;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'scheme "%" does not exist', scheme
            USING ERRCODE = 'undefined_object',
                  HINT = 'segment.schemes lists the schemes.';
    END IF;
    IF is_draft THEN
        RAISE EXCEPTION 'scheme "%" is a draft: it scores nobody', scheme
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Announce the live scheme''s changes; a publish is announced like any re-segmentation.';
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
COMMENT ON FUNCTION segment._notification_summary(integer, text, bigint, bigint, bigint) IS
    'internal: the payload of a summary notification';
COMMENT ON FUNCTION segment._history_notify() IS
    'internal: NOTIFY of the segment changes a statement appended to a history table';
COMMENT ON FUNCTION segment._notified_scheme_id(text) IS
    'internal: the id of the scheme segment.notify or segment.stop_notify names, or its error';
COMMENT ON FUNCTION segment.notify(text, text) IS
    'announces the scheme''s segment changes with NOTIFY on channel (default pg_segment) at commit; returns the channel';
COMMENT ON FUNCTION segment.stop_notify(text) IS
    'stops announcing the scheme''s segment changes; returns whether they were announced';
