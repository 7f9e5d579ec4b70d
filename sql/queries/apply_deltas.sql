-- The tail both delta statements share. Given a CTE deltas (scheme_id, client_id, delta,
-- answered, version) with one row per scheme and client, INSERT … ON CONFLICT DO UPDATE locks
-- the client's assignment row (waiting for a concurrent writer, then adding to the score it
-- committed), creates it on the first answer, looks the segment up for the new score and keeps
-- the previous score and segment in the row; from those, one history row per changed client
-- is appended, all in the same statement. $2 is the cause. A new row's level is joined (levels
-- of a scheme never overlap, so at most one matches): a join hashes the levels once where a
-- subquery would scan them again for every client.
applied AS (
    INSERT INTO {{assignments}} AS s (scheme_id, client_id, score, answered, segment, version,
                                      assigned_at)
    SELECT d.scheme_id, d.client_id, pg_catalog.trim_scale(d.delta), d.answered,
           l.name, d.version, pg_catalog.now()
    FROM deltas d
    LEFT JOIN segment.levels l ON l.scheme_id = d.scheme_id
         AND l.min_score <= d.delta AND d.delta < l.max_score
    WHERE d.delta <> 0 OR d.answered <> 0
    ORDER BY d.scheme_id, d.client_id
    ON CONFLICT (scheme_id, client_id) DO UPDATE SET
        score = pg_catalog.trim_scale(s.score + EXCLUDED.score),
        answered = s.answered + EXCLUDED.answered,
        segment = (SELECT l.name FROM segment.levels l WHERE l.scheme_id = s.scheme_id
                     AND l.min_score <= s.score + EXCLUDED.score
                     AND s.score + EXCLUDED.score < l.max_score),
        version = EXCLUDED.version, assigned_at = EXCLUDED.assigned_at,
        previous_score = s.score, previous_segment = s.segment
    RETURNING s.scheme_id, s.client_id, s.score, s.answered, s.segment, s.version,
              s.previous_score, s.previous_segment),
logged AS (
    INSERT INTO {{history}} (scheme_id, client_id, old_score, new_score, old_segment,
                             new_segment, cause, version)
    SELECT scheme_id, client_id, previous_score, CASE WHEN answered > 0 THEN score END,
           previous_segment, CASE WHEN answered > 0 THEN segment END, $2, version
    FROM applied
    WHERE CASE WHEN answered <= 0 THEN previous_score IS NOT NULL
               ELSE previous_score IS NULL OR previous_score <> score
                    OR previous_segment IS DISTINCT FROM segment END
    ORDER BY scheme_id, client_id)
