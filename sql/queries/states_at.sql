-- Every client of scheme $1 with a ledger row written at or before the moment given: its last such
-- row's score and segment (NULL score: no longer categorized then). One pass over the scheme's
-- ledger rows up to that moment, sorted by client.
SELECT DISTINCT ON (client_id) client_id, new_score, new_segment
FROM {{history}}
WHERE scheme_id = $1 AND changed_at <= {{moment}}
ORDER BY client_id, history_id DESC
