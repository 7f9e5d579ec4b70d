-- The tail of segment.preview, in write_recomputed.sql's place in recompute_ruled.sql over
-- preview_scope.sql: the clients whose score or segment the draft would change, by key, as
-- text (client, current score, draft score, current segment, draft segment). Writes nothing.
{{recomputed_diff}}
SELECT CAST(d.client_id AS text), CAST(d.old_score AS text), CAST(d.new_score AS text),
       d.old_segment, d.new_segment
FROM diff d
WHERE d.old_score IS DISTINCT FROM d.new_score OR d.old_segment IS DISTINCT FROM d.new_segment
ORDER BY d.client_id
