-- The best hand-written set-based re-segmentation of the baseline tables: recompute every
-- client's score from its answers, look its level up, write only the rows that changed, and
-- append history for them.
WITH fresh AS (
    SELECT a.client_id, sum(q.weight * o.points) AS score, count(*)::integer AS answered
    FROM bench.trig_answers a
    JOIN bench.questions q ON q.question_id = a.question_id
    JOIN bench.options o ON o.option_id = a.option_id
    GROUP BY a.client_id
), leveled AS (
    SELECT f.client_id, f.score, f.answered, l.name AS segment
    FROM fresh f LEFT JOIN bench.levels l ON f.score >= l.min_score AND f.score < l.max_score
), changed AS MATERIALIZED (
    SELECT lv.*, t.score AS old_score, t.segment AS old_segment
    FROM leveled lv LEFT JOIN bench.trig_assignments t ON t.client_id = lv.client_id
    WHERE t.client_id IS NULL OR t.score <> lv.score OR t.answered <> lv.answered
       OR t.segment IS DISTINCT FROM lv.segment
), upserted AS (
    INSERT INTO bench.trig_assignments AS t (client_id, score, answered, segment)
    SELECT client_id, score, answered, segment FROM changed
    ON CONFLICT (client_id) DO UPDATE SET score = EXCLUDED.score, answered = EXCLUDED.answered,
        segment = EXCLUDED.segment, assigned_at = now()
)
INSERT INTO bench.trig_history (client_id, old_score, new_score, old_segment, new_segment, cause)
SELECT client_id, old_score, score, old_segment, segment, 'scheme change'
FROM changed
WHERE old_score IS DISTINCT FROM score OR old_segment IS DISTINCT FROM segment;
