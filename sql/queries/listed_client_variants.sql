-- client_variants.sql's CTE from a list worked out before, as the owner of the client table
-- (store::variants::client_variants_of): a statement run as its caller, who may not read the
-- client table, takes each listed client's variant and the variant whose levels segment it.
-- The parts name the three arrays (clients' keys in text form, variant ids, level variants).
client_variants AS (
    SELECT CAST(x.client AS {{key_type}}) AS client_id, x.variant_id, v.code AS variant,
           x.level_variant
    FROM ROWS FROM (pg_catalog.unnest(CAST({{variant_clients}} AS text[])),
                    pg_catalog.unnest(CAST({{variant_ids}} AS integer[])),
                    pg_catalog.unnest(CAST({{level_variants}} AS integer[])))
         AS x(client, variant_id, level_variant)
    LEFT JOIN segment.variants v ON v.variant_id = x.variant_id)
