-- The answer changes of an INSERT: every new row adds its option.
SELECT client_id, question_id, option_id, 1 AS sign FROM segment_new_rows
