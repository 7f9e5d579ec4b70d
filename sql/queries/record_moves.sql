-- The tail of a re-segmentation that moves known clients: given the CTEs moved (row_id,
-- client_id, old_score, new_score, old_segment, new_segment) and version (version) for scheme
-- $1, each moved client's assignment takes its new score and segment, and its history one row
-- with cause $2. The assignment is found again by the row_id (ctid) moved read it at, not by a
-- second join over the whole table: every writer of assignments writes answers first, and the
-- re-segmentation holds the answers table locked against them, so that row version is still
-- the current one. The row versions are fetched by a TID scan of the sorted row ids (ANY):
-- with a join on ctid alone the planner scanned the whole assignments index instead.
updated AS (
    UPDATE {{assignments}} s SET score = m.new_score, segment = m.new_segment,
           version = v.version, assigned_at = pg_catalog.now(),
           previous_score = s.score, previous_segment = s.segment
    FROM moved m, version v
    WHERE s.ctid = ANY (ARRAY(SELECT row_id FROM moved))
      AND s.ctid = m.row_id AND s.scheme_id = $1 AND s.client_id = m.client_id),
logged AS (
    INSERT INTO {{history}} (scheme_id, client_id, old_score, new_score, old_segment,
                             new_segment, cause, version)
    SELECT $1, m.client_id, m.old_score, m.new_score, m.old_segment, m.new_segment, $2, v.version
    FROM moved m, version v
    ORDER BY m.client_id)
