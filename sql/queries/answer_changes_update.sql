-- The answer changes of an UPDATE: the new rows add, the old rows (of existing clients) take
-- away.
{{answer_changes_insert}}
UNION ALL
{{answer_changes_delete}}
