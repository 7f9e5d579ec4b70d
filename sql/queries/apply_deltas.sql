-- The tail both delta statements share. Given a CTE deltas (scheme_id, client_id, delta,
-- answered, version) with one row per scheme and client, INSERT … ON CONFLICT DO UPDATE locks
-- the client's assignment row (waiting for a concurrent writer, then adding to the score it
-- committed), creates it on the first answer, looks the segment up for the new score and keeps
-- the previous score and segment in the row; from those, one history row per changed client
-- is appended, all in the same statement. $2 is the cause. A new row's level is joined (levels
-- of a scheme never overlap, so at most one matches): a join hashes the levels once where a
-- subquery would scan them again for every client. A client without an assignment has no
-- parameter value either (one with a value has an assignment), so a new row misses every
-- required parameter of its scheme, and its segment stays NULL while it does; an existing
-- row keeps the parameters it has.
applied AS (
    INSERT INTO {{assignments}} AS s (scheme_id, client_id, score, answered, segment, version,
                                      assigned_at, missing)
    SELECT d.scheme_id, d.client_id, pg_catalog.trim_scale(d.delta), d.answered,
           CASE WHEN r.missing IS NULL THEN l.name END, d.version, pg_catalog.now(), r.missing
    FROM deltas d
    LEFT JOIN segment.levels l ON l.scheme_id = d.scheme_id
         AND l.min_score <= d.delta AND d.delta < l.max_score
    LEFT JOIN (
        SELECT p.scheme_id, pg_catalog.array_agg(p.code ORDER BY p.position, p.code COLLATE "C") AS missing
        FROM segment.parameters p WHERE p.required GROUP BY p.scheme_id) r
         ON r.scheme_id = d.scheme_id
    WHERE d.delta <> 0 OR d.answered <> 0
    ORDER BY d.scheme_id, d.client_id
    ON CONFLICT (scheme_id, client_id) DO UPDATE SET
        score = pg_catalog.trim_scale(s.score + EXCLUDED.score),
        answered = s.answered + EXCLUDED.answered,
        segment = CASE WHEN s.missing IS NULL THEN
            (SELECT l.name FROM segment.levels l WHERE l.scheme_id = s.scheme_id
               AND l.min_score <= s.score + EXCLUDED.score
               AND s.score + EXCLUDED.score < l.max_score) END,
        version = EXCLUDED.version, assigned_at = EXCLUDED.assigned_at,
        previous_score = s.score, previous_segment = s.segment
    RETURNING s.scheme_id, s.client_id, s.score, s.answered, s.parameter_score, s.segment,
              s.version, s.previous_score, s.previous_segment),
{{log_applied}}
