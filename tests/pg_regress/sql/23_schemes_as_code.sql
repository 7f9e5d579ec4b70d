-- Schemes as code: segment.export_scheme gives a scheme's whole configuration as one JSON
-- document; segment.import_scheme creates a scheme from one. Export, drop, import and export
-- again gives the same document, and the imported scheme scores the clients as before.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA sc;
CREATE TABLE sc.shops (id integer PRIMARY KEY, staff integer);
CREATE TABLE sc.sales (shop integer NOT NULL, amount numeric NOT NULL);
CREATE INDEX ON sc.sales (shop);
INSERT INTO sc.shops SELECT g, g * 3 FROM generate_series(1, 6) g;
INSERT INTO sc.sales SELECT 1 + g % 5, g * 10 FROM generate_series(1, 20) g;
SELECT segment.create_scheme('shop_rank', 'sc.shops', 'Shops by size and sales') > 0 AS ok;
SELECT segment.add_question('shop_rank', 'format', 'Format?', 2) > 0 AS ok;
SELECT segment.add_option('shop_rank', 'format', 'kiosk', 'Kiosk', 1) > 0
   AND segment.add_option('shop_rank', 'format', 'super', 'Supermarket', 5) > 0 AS ok;
SELECT segment.add_question('shop_rank', 'pay', 'Payment methods', 1.5, kind => 'multiple') > 0
   AND segment.add_option('shop_rank', 'pay', 'cash', 'Cash', 0) > 0
   AND segment.add_option('shop_rank', 'pay', 'card', 'Card', 2) > 0 AS ok;
SELECT segment.add_question('shop_rank', 'tills', 'Checkouts', kind => 'number') > 0
   AND segment.add_range('shop_rank', 'tills', '-Infinity', 2, 0) > 0
   AND segment.add_range('shop_rank', 'tills', 2, 'Infinity', 3) > 0 AS ok;
SELECT segment.add_parameter('shop_rank', 'staff', 'Staff', 'staff', required => true) > 0
   AND segment.add_range('shop_rank', 'staff', 0, 10, 1) > 0
   AND segment.add_range('shop_rank', 'staff', 10, 'Infinity', 4) > 0 AS ok;
SELECT segment.add_parameter('shop_rank', 'sales', 'Sales', 'sum(amount)', 0.5,
                             source => 'sc.sales', client_column => 'shop') > 0
   AND segment.add_match('shop_rank', 'sales', '420', 6) > 0 AS ok;
SELECT segment.add_level('shop_rank', 'small', '-Infinity', 8) > 0
   AND segment.add_level('shop_rank', 'big', 8, 'Infinity') > 0 AS ok;
SELECT segment.answer('shop_rank', 1, 'format', 'super'), segment.answer('shop_rank', 1, 'pay', ARRAY['card']),
       segment.answer_number('shop_rank', 2, 'tills', 4);
SELECT jsonb_pretty(segment.export_scheme('shop_rank'));
CREATE TEMP TABLE before AS
SELECT segment.export_scheme('shop_rank') AS doc,
       (SELECT array_agg((client_id, score, segment, status)::text ORDER BY client_id)
        FROM segment.sc_shops_assignments) AS scores;

-- Round trip: the scheme dropped (its answers go with it) and imported from its document.
SELECT segment.drop_scheme('shop_rank');
SELECT segment.import_scheme(doc) > 0 AS imported FROM before;
SELECT segment.export_scheme('shop_rank') = doc AS same_document FROM before;
SELECT segment.answer('shop_rank', 1, 'format', 'super'), segment.answer('shop_rank', 1, 'pay', ARRAY['card']),
       segment.answer_number('shop_rank', 2, 'tills', 4);
SELECT (SELECT array_agg((client_id, score, segment, status)::text ORDER BY client_id)
        FROM segment.sc_shops_assignments) = scores AS same_scores FROM before;
SELECT * FROM segment.verify('shop_rank');
-- The same document under another name, over the same table (a second scheme).
SELECT segment.import_scheme(jsonb_set(doc, '{name}', '"shop_rank_copy"')) > 0 AS copied FROM before;
SELECT count(*) AS questions FROM segment.questions q JOIN segment.schemes s USING (scheme_id)
WHERE s.name = 'shop_rank_copy';

-- Golden-set tests: each case's answers and parameter values are scored by the engine with
-- the scheme's configuration, writing nothing; its segment is compared with the expected one.
-- (staff is required: a case without it has no segment.)
CREATE TEMP TABLE ledger AS SELECT count(*) AS n FROM segment.sc_shops_history;
SELECT * FROM segment.check_scheme('shop_rank', '[
  {"name": "big supermarket", "answers": {"format": "super", "pay": ["card", "cash"], "tills": 3},
   "parameters": {"staff": 12}, "expected": "big"},
  {"name": "kiosk", "answers": {"format": "kiosk"}, "parameters": {"staff": 3}, "expected": "small"},
  {"name": "sales match", "answers": {"format": "kiosk"}, "parameters": {"staff": 12, "sales": 420},
   "expected": "big"},
  {"name": "no sales match", "answers": {"format": "kiosk"}, "parameters": {"staff": 12, "sales": 400},
   "expected": "small"},
  {"name": "no staff figure", "answers": {"format": "super"}, "expected": null},
  {"name": "wrong on purpose", "answers": {"format": "kiosk"}, "parameters": {"staff": 3}, "expected": "big"}
]');
SELECT count(*) = (SELECT n FROM ledger) AS nothing_written FROM segment.sc_shops_history;
-- A case the engine cannot score is refused, naming it and what is wrong.
SELECT * FROM segment.check_scheme('shop_rank', '[{"name": "x", "answers": {"format": "mall"}, "expected": null}]');
SELECT * FROM segment.check_scheme('shop_rank', '[{"name": "x", "answers": {"pay": "card"}, "expected": null}]');
SELECT * FROM segment.check_scheme('shop_rank', '[{"name": "x", "answers": {"colour": "red"}, "expected": null}]');
SELECT * FROM segment.check_scheme('shop_rank', '[{"name": "x", "answers": {}}]');
SELECT * FROM segment.check_scheme('shop_rank', '[{"name": "x", "answers": {"tills": "three"}, "expected": null}]');
SELECT * FROM segment.check_scheme('shop_rank', '{"name": "x"}');

-- Replacing the live configuration with the same document keeps the scheme and its scores
-- (tests/pg_regress/sql/32_drafts.sql replaces with changes).
CREATE TEMP TABLE scored AS SELECT array_agg((client_id, score, segment, status)::text ORDER BY client_id) AS rows
FROM segment.sc_shops_assignments WHERE scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'shop_rank');
SELECT segment.import_scheme(doc, replace => true)
       = (SELECT scheme_id FROM segment.schemes WHERE name = 'shop_rank') AS replaced_in_place
FROM before;
SELECT segment.export_scheme('shop_rank') = doc AS same_document FROM before;
SELECT (SELECT array_agg((client_id, score, segment, status)::text ORDER BY client_id)
        FROM segment.sc_shops_assignments
        WHERE scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'shop_rank')) = rows
       AS same_scores FROM scored;
SELECT * FROM segment.verify('shop_rank');

-- Errors: each as the function an administrator calls would give it, and nothing is kept.
SELECT segment.export_scheme('nope');
SELECT segment.import_scheme('{"format": "something else"}');
SELECT segment.import_scheme(doc) FROM before;
SELECT segment.import_scheme(jsonb_set(jsonb_set(doc, '{name}', '"broken"'), '{levels,1,min_score}', '5')) FROM before;
SELECT segment.import_scheme(jsonb_set(jsonb_set(doc, '{name}', '"broken"'), '{questions,0,kind}', '"ranking"')) FROM before;
-- A misspelled key would silently drop what it holds: refused, naming it and where it is;
-- so are lists that are not arrays, fractional positions and tables named by number.
SELECT segment.import_scheme(jsonb_set(doc - 'parameters', '{paramters}', doc -> 'parameters') || '{"name": "broken"}') FROM before;
SELECT segment.import_scheme(jsonb_set(jsonb_set(doc, '{name}', '"broken"'), '{questions,1,options,0,colour}', '"red"')) FROM before;
SELECT segment.import_scheme(jsonb_set(jsonb_set(doc, '{name}', '"broken"'), '{levels}', '{"name": "x"}')) FROM before;
SELECT segment.import_scheme(jsonb_set(jsonb_set(doc, '{name}', '"broken"'), '{questions,0,position}', '1.5')) FROM before;
SELECT segment.import_scheme(jsonb_set(jsonb_set(doc, '{name}', '"broken"'), '{client_table}', '"1259"')) FROM before;
-- (a whole number written 2.0 is 2)
SELECT segment.import_scheme(jsonb_set(jsonb_set(doc, '{name}', '"positions"'), '{questions,0,position}', '1.0')) > 0 AS imported FROM before;
SELECT segment.drop_scheme('positions');
SELECT count(*) AS broken_schemes FROM segment.schemes WHERE name = 'broken';
SELECT segment.drop_scheme('shop_rank_copy');
SELECT segment.drop_scheme('shop_rank');
DROP TABLE sc.shops, sc.sales CASCADE;
DROP SCHEMA sc;
