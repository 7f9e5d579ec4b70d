-- What scheme $1 adds to the weighted sum of its inputs, for the engine (explain, verify,
-- check_scheme): each group ('g', code, min_points, max_points) and each forced level ('f',
-- the item's code, the value that forces it (a choice question's: the option's code), the
-- level), forced levels in the order they were defined. Columns: kind, code, first, second,
-- order.
SELECT 'g', g.code, g.min_points::text, g.max_points::text, g.group_id
FROM segment.groups g WHERE g.scheme_id = $1
UNION ALL
SELECT 'f', COALESCE(q.code, p.code), COALESCE(o.code, f.value), l.name, f.rule_id
FROM segment.forced_levels f
LEFT JOIN segment.questions q ON q.question_id = f.question_id
LEFT JOIN segment.options o ON o.option_id = f.option_id
LEFT JOIN segment.parameters p ON p.parameter_id = f.parameter_id
JOIN segment.levels l ON l.level_id = f.level_id
WHERE f.scheme_id = $1
ORDER BY 1 DESC, 5
