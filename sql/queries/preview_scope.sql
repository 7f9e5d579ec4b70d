-- What recompute_ruled.sql reads when it previews draft $1 of live scheme $6 (segment.preview):
-- the live scheme's answers and picks as answers to the draft's questions and options of the
-- same codes (none to a question the draft lacks or gives another kind, nor to an option it
-- lacks: publishing deletes those answers), the live assignments as if they were the draft's,
-- and the client rows (read only for their variant column).
scope_answers AS (
    SELECT a.client_id, dq.question_id, dop.option_id, a.value
    FROM {{answers}} a
    JOIN segment.questions lq ON lq.question_id = a.question_id AND lq.scheme_id = $6
    JOIN segment.questions dq ON dq.scheme_id = $1 AND dq.code = lq.code AND dq.kind = lq.kind
    LEFT JOIN segment.options lo ON lo.option_id = a.option_id
    LEFT JOIN segment.options dop ON dop.question_id = dq.question_id AND dop.code = lo.code
    WHERE a.option_id IS NULL OR dop.option_id IS NOT NULL),
scope_picks AS (
    SELECT p.client_id, dq.question_id, dop.option_id
    FROM {{picks}} p
    JOIN segment.questions lq ON lq.question_id = p.question_id AND lq.scheme_id = $6
    JOIN segment.questions dq ON dq.scheme_id = $1 AND dq.code = lq.code AND dq.kind = lq.kind
    JOIN segment.options lo ON lo.option_id = p.option_id
    JOIN segment.options dop ON dop.question_id = dq.question_id AND dop.code = lo.code),
scope_assignments AS (
    SELECT $1 AS scheme_id, client_id, score, answered, segment, parameter_score, missing, forced
    FROM {{assignments}} WHERE scheme_id = $6),
scope_client_rows AS NOT MATERIALIZED (SELECT * FROM {{client_table}})
