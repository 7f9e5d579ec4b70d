-- Each delta's assignment (shift_scores.sql) found by its key, one delta at a time (OFFSET 0
-- keeps the look-up a subquery run per delta): for a change that moves few clients
-- (moves_few.sql), where the planner hashed every assignment of the table to find them.
CROSS JOIN LATERAL (
    SELECT a.ctid AS ctid, a.client_id, a.score, a.segment, a.missing
    FROM {{assignments}} a
    WHERE a.scheme_id = $1 AND a.client_id = d.client_id
    OFFSET 0) s
