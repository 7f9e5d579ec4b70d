-- The client of segment.answer()'s direct write, $6, as the row known_delta.sql reads it from.
(SELECT CAST($6 AS {{key_type}}) AS client_id)
