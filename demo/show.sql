-- What the demo prints: segment distributions, one explanation, and a segment moving.
\pset footer off
\echo
\echo '--- outlet_category: segment distribution of 1,200 companies (40 not yet visited; closed outlets forced to inactive)'
SELECT * FROM segment.distribution('outlet_category');
\echo '--- customer_value: segment distribution of 800 individuals'
SELECT * FROM segment.distribution('customer_value');

\echo '--- why company 7 is where it is: one row per question'
SELECT * FROM segment.explain('outlet_category', 7);
SELECT segment.score('outlet_category', 7) AS score, segment.segment_of('outlet_category', 7) AS segment;

\echo '--- an analyst''s join: the five best-scoring supermarkets in Porto, no casts'
SELECT c.id, c.name, a.score, a.segment
FROM crm.companies c
JOIN segment.crm_companies_assignments a ON a.client_id = c.id
JOIN segment.schemes s ON s.scheme_id = a.scheme_id AND s.name = 'outlet_category'
WHERE c.city = 'Porto' AND c.outlet_type = 'supermarket'
ORDER BY a.score DESC, c.id LIMIT 5;

\echo '--- a field agent reports that company 7 now always pays on time, has a big floor area, 8 checkouts, takes cards and mobile wallets'
SELECT segment.answer('outlet_category', 7, 'payments', 'on_time');
SELECT segment.answer_number('outlet_category', 7, 'checkouts', 8);
SELECT segment.answer('outlet_category', 7, 'payment_methods', ARRAY['card', 'mobile']);
UPDATE segment.crm_companies_answers a SET option_id = o.option_id
FROM segment.answer_options o
WHERE o.scheme = 'outlet_category' AND o.question = 'floor_area' AND o.option = 'over_1000'
  AND a.client_id = 7 AND a.question_id = o.question_id;
SELECT segment.score('outlet_category', 7) AS score, segment.segment_of('outlet_category', 7) AS segment;
\echo '--- what the field agent''s app shows when it opens company 7 (segment.questionnaire_for)'
SELECT q ->> 'code' AS question, q ->> 'kind' AS kind, q -> 'answer' AS answer
FROM jsonb_array_elements(segment.questionnaire_for('outlet_category', 7) -> 'questions') q;
\echo '--- and the ledger of company 7, oldest first'
SELECT old_score, new_score, old_segment, new_segment, cause, version
FROM segment.history('outlet_category', 7);
\echo '--- every stored assignment agrees with a from-scratch recompute (no rows = consistent)'
SELECT 'outlet_category' AS scheme, * FROM segment.verify('outlet_category')
UNION ALL SELECT 'customer_value', * FROM segment.verify('customer_value');

\echo
\echo '--- rules of the outlet scheme: presence (assortment + visibility) worth at most 8 points,'
\echo '--- payment discipline required, a closed outlet inactive whatever its points'
SELECT min(a.client_id) AS capped FROM segment.crm_companies_assignments a
JOIN segment.schemes s ON s.scheme_id = a.scheme_id AND s.name = 'outlet_category'
WHERE EXISTS (SELECT FROM segment.explain('outlet_category', a.client_id) e WHERE e.kind = 'cap')
  AND a.client_id < 100 \gset
SELECT position, item, kind, value, points, weight, contribution, note
FROM segment.explain('outlet_category', :capped);
SELECT segment.score('outlet_category', :capped) AS score, segment.segment_of('outlet_category', :capped) AS segment;
\echo '--- company 7 is found closed: inactive whatever its points; a week later it has reopened'
SELECT segment.answer('outlet_category', 7, 'status', 'closed');
SELECT score, segment, status, forced FROM segment.crm_companies_assignments
WHERE client_id = 7 AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet_category');
SELECT segment.answer('outlet_category', 7, 'status', 'open');
SELECT score, segment, status, forced FROM segment.crm_companies_assignments
WHERE client_id = 7 AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet_category');
\echo '--- an outlet visited without the payment question answered has no category yet'
DELETE FROM segment.crm_companies_answers a USING segment.answer_options o
WHERE o.scheme = 'outlet_category' AND o.question = 'payments' AND a.question_id = o.question_id
  AND a.option_id = o.option_id AND a.client_id = 8;
SELECT score, segment, status, missing FROM segment.crm_companies_assignments
WHERE client_id = 8 AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet_category');
SELECT 'outlet_category' AS scheme, count(*) AS disagreeing FROM segment.verify('outlet_category');
\echo '--- subtypes: the same points, another category (a kiosk''s levels are its own)'
SELECT DISTINCT ON (c.outlet_type) c.outlet_type, a.client_id, a.score, a.segment
FROM segment.crm_companies_assignments a
JOIN crm.companies c ON c.id = a.client_id
JOIN segment.schemes s ON s.scheme_id = a.scheme_id AND s.name = 'outlet_category'
WHERE a.status = 'scored' AND c.outlet_type IN ('kiosk', 'supermarket')
  AND a.score = (SELECT a2.score FROM segment.crm_companies_assignments a2
                 JOIN crm.companies c2 ON c2.id = a2.client_id
                 WHERE a2.scheme_id = a.scheme_id AND a2.status = 'scored'
                   AND c2.outlet_type IN ('kiosk', 'supermarket')
                 GROUP BY a2.score HAVING count(DISTINCT a2.segment) > 1
                 ORDER BY a2.score DESC LIMIT 1)
ORDER BY c.outlet_type, a.client_id;
\echo '--- company 10, a kiosk, is rebuilt as a supermarket: its checkouts count now, its opening hours no more'
SELECT c.outlet_type, a.score, a.segment FROM crm.companies c
JOIN segment.crm_companies_assignments a ON a.client_id = c.id
JOIN segment.schemes s ON s.scheme_id = a.scheme_id AND s.name = 'outlet_category' WHERE c.id = 10;
UPDATE crm.companies SET outlet_type = 'supermarket' WHERE id = 10;
SELECT c.outlet_type, a.score, a.segment FROM crm.companies c
JOIN segment.crm_companies_assignments a ON a.client_id = c.id
JOIN segment.schemes s ON s.scheme_id = a.scheme_id AND s.name = 'outlet_category' WHERE c.id = 10;
SELECT item, value, contribution, note FROM segment.explain('outlet_category', 10)
WHERE item IN ('checkouts', 'opening_hours');

\echo
\echo '--- account_value: a question, the company''s head count and its orders'
SELECT * FROM segment.distribution('account_value');
\echo '--- why company 12 is where it is: questions and parameters together'
SELECT position, item, kind, value, points, weight, contribution, note
FROM segment.explain('account_value', 12);
\echo '--- company 12 places a large order: its segment follows in the same statement'
SELECT segment.segment_of('account_value', 12) AS before;
INSERT INTO crm.orders VALUES (100001, 12, 9000, '2026-11-30');
SELECT segment.score('account_value', 12) AS score, segment.segment_of('account_value', 12) AS after;
\echo '--- a month passes without a single write: segment.refresh (run nightly by pg_cron) re-scores'
UPDATE crm.demo_clock SET today = '2026-12-31';
SELECT segment.refresh('account_value') AS assignments_changed;
SELECT * FROM segment.distribution('account_value');
SELECT 'account_value' AS scheme, count(*) AS disagreeing FROM segment.verify('account_value');

\echo
\echo '--- a draft of account_value: the top revenue band starts at 12,000 instead of 15,000'
SELECT segment.create_draft('account_value') AS draft;
UPDATE segment.parameter_ranges r SET max_value = 12000
FROM segment.parameters p JOIN segment.schemes s USING (scheme_id)
WHERE r.parameter_id = p.parameter_id AND s.name = 'account_value@draft'
  AND p.code = 'revenue_12m' AND r.min_value = 5000;
UPDATE segment.parameter_ranges r SET min_value = 12000
FROM segment.parameters p JOIN segment.schemes s USING (scheme_id)
WHERE r.parameter_id = p.parameter_id AND s.name = 'account_value@draft'
  AND p.code = 'revenue_12m' AND r.min_value = 15000;
\echo '--- what publishing it would change (segment.preview: the first ten companies), and the matrix'
SELECT * FROM segment.preview('account_value@draft') LIMIT 10;
SELECT * FROM segment.preview_transitions('account_value@draft');
SELECT now() AS before_publish \gset
\echo '--- published: one re-segmentation in one transaction (history cause publish)'
SELECT segment.publish('account_value@draft') AS companies_changed_segment;
\echo '--- the moves of the publish, as the ledger recorded them (segment.transitions)'
SELECT * FROM segment.transitions('account_value', :'before_publish', now());
SELECT 'account_value' AS scheme, count(*) AS disagreeing FROM segment.verify('account_value');

\echo
\echo '--- how the outlets moved while this demo ran (segment.transitions, from the ledger)'
SELECT * FROM segment.transitions('outlet_category',
    (SELECT min(changed_at) FROM segment.crm_companies_history), now());
\echo '--- golden-set tests of the outlet scheme: two hand-scored outlets (passed = the engine agrees)'
SELECT * FROM segment.check_scheme('outlet_category', '[
  {"name": "flagship supermarket (45 points: presence capped at 8)", "variant": "supermarket",
   "answers": {"floor_area": "over_1000", "assortment": "wide", "foot_traffic": "high",
               "payments": "on_time", "visibility": "good", "checkouts": 8,
               "payment_methods": ["card", "mobile"]},
   "expected": "A+"},
  {"name": "corner minimarket (-2.5 points)", "variant": "minimarket",
   "answers": {"floor_area": "under_50", "assortment": "narrow", "foot_traffic": "low",
               "payments": "late", "visibility": "poor"},
   "expected": "C"}]');
\echo '--- the scheme as code: segment.export_scheme gives one JSON document (here its outline)'
SELECT d ->> 'format' AS format, d ->> 'name' AS name,
       jsonb_array_length(d -> 'questions') AS questions, jsonb_array_length(d -> 'parameters') AS parameters,
       jsonb_array_length(d -> 'levels') AS levels
FROM segment.export_scheme('account_value') d;
\echo '--- levels the current outlet scores suggest: four by k-means, four of equal size'
SELECT * FROM segment.suggest_levels('outlet_category', 4, 'kmeans');
SELECT * FROM segment.suggest_levels('outlet_category', 4);
