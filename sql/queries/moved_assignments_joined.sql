-- Each delta's assignment (shift_scores.sql) by a join the planner chooses: for a change that
-- moves many clients (a hash of every assignment).
JOIN {{assignments}} s ON s.scheme_id = $1 AND s.client_id = d.client_id
