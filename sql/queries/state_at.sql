-- A client's score and segment in scheme $1 as of time $3: what the last ledger row written at
-- or before then recorded (no row: not categorized yet; NULL new_score: no longer categorized).
-- changed_at is the start time of the transaction that wrote the row; history_id is the
-- ledger's order. $2 client. The history's (client_id, scheme_id, history_id) index serves it,
-- read backwards from the newest row.
SELECT new_score::text, new_segment FROM {{history}}
WHERE client_id = CAST($2 AS {{key_type}}) AND scheme_id = $1 AND changed_at <= $3
ORDER BY history_id DESC LIMIT 1
