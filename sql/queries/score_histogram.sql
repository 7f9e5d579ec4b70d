-- The distinct scores of the assigned clients of scheme $1, ascending, each with its number of
-- clients (every assignment counts, whatever its status): what segment.suggest_levels splits.
-- (The output column has a name of its own: ORDER BY score then sorts the numbers, not their
-- text.)
SELECT CAST(score AS text) AS score_text, pg_catalog.count(*) AS clients
FROM {{assignments}}
WHERE scheme_id = $1
GROUP BY score
ORDER BY score
