-- Everything that could run code when relation $1 is written or read, but its client_id
-- column's type: triggers (not the foreign keys' own, which a rewrite re-creates under new
-- names), rules, constraints, indexes, defaults, policies, parents and children, column types.
SELECT pg_catalog.concat_ws(' | ',
    (SELECT pg_catalog.string_agg(pg_catalog.pg_get_triggerdef(t.oid), ';' ORDER BY t.tgname)
       FROM pg_catalog.pg_trigger t WHERE t.tgrelid = $1 AND NOT t.tgisinternal),
    (SELECT pg_catalog.string_agg(r.rulename::text, ';' ORDER BY r.rulename)
       FROM pg_catalog.pg_rewrite r WHERE r.ev_class = $1),
    (SELECT pg_catalog.string_agg(pg_catalog.pg_get_constraintdef(c.oid), ';' ORDER BY c.conname)
       FROM pg_catalog.pg_constraint c WHERE c.conrelid = $1),
    (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(i.indexrelid), ';'
                                  ORDER BY pg_catalog.pg_get_indexdef(i.indexrelid))
       FROM pg_catalog.pg_index i WHERE i.indrelid = $1),
    (SELECT pg_catalog.string_agg(pg_catalog.pg_get_expr(d.adbin, d.adrelid), ';' ORDER BY d.adnum)
       FROM pg_catalog.pg_attrdef d WHERE d.adrelid = $1),
    (SELECT pg_catalog.string_agg(p.polname::text, ';' ORDER BY p.polname)
       FROM pg_catalog.pg_policy p WHERE p.polrelid = $1),
    (SELECT pg_catalog.string_agg(h.inhrelid::text || '<' || h.inhparent::text, ';' ORDER BY h.inhrelid)
       FROM pg_catalog.pg_inherits h WHERE $1 IN (h.inhrelid, h.inhparent)),
    (SELECT pg_catalog.string_agg(a.attname || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod),
                                  ';' ORDER BY a.attnum)
       FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0
        AND NOT a.attisdropped AND a.attname <> 'client_id'))
