-- Whether the scheme sc is scored by sums alone: none of its inputs is in a group, none of
-- its questions is required, it forces no level (sql/rules.sql) and has no variants
-- (sql/variants.sql). Deltas apply only to such
-- a scheme; a ruled one is recomputed client by client (recompute_ruled.sql).
(NOT EXISTS (SELECT 1 FROM segment.questions rq
             WHERE rq.scheme_id = sc.scheme_id AND (rq.required OR rq.group_id IS NOT NULL))
 AND NOT EXISTS (SELECT 1 FROM segment.parameters rp
                 WHERE rp.scheme_id = sc.scheme_id AND rp.group_id IS NOT NULL)
 AND NOT EXISTS (SELECT 1 FROM segment.forced_levels rf WHERE rf.scheme_id = sc.scheme_id)
 AND NOT EXISTS (SELECT 1 FROM segment.variants rv WHERE rv.scheme_id = sc.scheme_id)
 AND NOT EXISTS (SELECT 1 FROM segment.variant_columns rc WHERE rc.scheme_id = sc.scheme_id))
