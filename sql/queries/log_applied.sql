-- The history of an upsert of assignments: given a CTE applied (scheme_id, client_id, score,
-- answered, parameter_score, segment, version, previous_score, previous_segment) returned by
-- it, one history row with cause $2 per client whose score or segment changed. A row left
-- without any input (no answer, no parameter value) is about to be deleted: its new score
-- and segment are NULL.
logged AS (
    INSERT INTO {{history}} (scheme_id, client_id, old_score, new_score, old_segment,
                             new_segment, cause, version)
    SELECT scheme_id, client_id, previous_score,
           CASE WHEN answered > 0 OR parameter_score IS NOT NULL THEN score END,
           previous_segment,
           CASE WHEN answered > 0 OR parameter_score IS NOT NULL THEN segment END, $2, version
    FROM applied
    WHERE CASE WHEN answered <= 0 AND parameter_score IS NULL THEN previous_score IS NOT NULL
               ELSE previous_score IS NULL OR previous_score <> score
                    OR previous_segment IS DISTINCT FROM segment END
    ORDER BY scheme_id, client_id)
