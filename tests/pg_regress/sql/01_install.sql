-- Installing pg_segment creates schema segment and nothing outside it.
CREATE EXTENSION pg_segment;

SELECT d.classid::regclass AS catalog,
       coalesce(n.nspname, s.nspname) AS schema, count(*) AS members
FROM pg_depend d
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_segment'
LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
LEFT JOIN pg_namespace n ON n.oid = coalesce(c.relnamespace, p.pronamespace)
LEFT JOIN pg_namespace s ON d.classid = 'pg_namespace'::regclass AND s.oid = d.objid
WHERE d.deptype = 'e'
  -- PostgreSQL 18 also records the row types of member tables (and their array types);
  -- they come with the tables
  AND NOT (d.classid = 'pg_type'::regclass
           AND EXISTS (SELECT 1 FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem
                       WHERE t.oid = d.objid AND (t.typrelid <> 0 OR e.typrelid <> 0)))
GROUP BY 1, 2 ORDER BY 1, 2;

-- Configuration tables are kept by pg_dump.
SELECT c.relname
FROM pg_extension e CROSS JOIN unnest(e.extconfig) AS x(oid)
JOIN pg_class c ON c.oid = x.oid
WHERE e.extname = 'pg_segment' AND c.relkind = 'r' ORDER BY 1;
