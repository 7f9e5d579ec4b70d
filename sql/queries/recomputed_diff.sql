-- What a from-scratch re-segmentation of scheme $1 changes (write_recomputed.sql writes it,
-- preview_changes.sql shows it): given the CTEs old and fresh, one row per client whose
-- stored assignment differs from the recomputed one in any column, or that only one of them
-- has (present: whether the client keeps an assignment).
diff AS MATERIALIZED (
    SELECT COALESCE(f.client_id, o.client_id) AS client_id,
           o.score AS old_score, o.segment AS old_segment,
           f.score AS new_score, f.segment AS new_segment, f.answered,
           f.parameter_score, f.missing, f.forced,
           f.client_id IS NOT NULL AS present
    FROM fresh f FULL JOIN old o ON o.client_id = f.client_id
    WHERE f.client_id IS NULL OR o.client_id IS NULL OR f.answered <> o.answered
       OR f.score <> o.score OR f.segment IS DISTINCT FROM o.segment
       OR f.parameter_score IS DISTINCT FROM o.parameter_score
       OR f.missing IS DISTINCT FROM o.missing OR f.forced IS DISTINCT FROM o.forced)
