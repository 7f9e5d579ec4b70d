-- Each client's variant of scheme $1 (the variant whose column_values hold the text form of
-- its variant column, byte by byte; none: NULL) and the variant whose levels segment it (its
-- own when it has levels of its own, else NULL: the scheme's), for the clients of
-- scope_client_rows.
client_variants AS (
    SELECT c.{{key_column}} AS client_id, v.variant_id, v.code AS variant,
           CASE WHEN EXISTS (SELECT 1 FROM segment.levels vl WHERE vl.variant_id = v.variant_id)
                THEN v.variant_id END AS level_variant
    FROM scope_client_rows c
    LEFT JOIN segment.variants v ON v.scheme_id = $1
         AND CAST(c.{{variant_column}} AS text) COLLATE "C" = ANY (v.column_values))
