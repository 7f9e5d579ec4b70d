-- client_variants.sql's CTE for a scheme that selects no variants, with no rows: every input
-- counts and the scheme's levels segment every client.
client_variants AS (
    SELECT CAST(NULL AS {{key_type}}) AS client_id, NULL::integer AS variant_id,
           NULL::text AS variant, NULL::integer AS level_variant
    WHERE false)
