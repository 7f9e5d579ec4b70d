-- The answer changes of an INSERT: every new row adds its option (or its value, for a number
-- question).
SELECT client_id, question_id, option_id, {{value}} AS value, 1 AS sign FROM segment_new_rows
