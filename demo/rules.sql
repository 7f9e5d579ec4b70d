-- Rules on the outlet scheme beyond a plain sum of points:
-- - a group: the outlet's presence (assortment and brand visibility together) is worth at
--   most 8 points, however wide the assortment and good the visibility;
-- - a required question: payment discipline; an outlet without that answer has no category;
-- - a forced level: an outlet the field agent finds closed is "inactive", whatever its points.
-- "inactive" is a level below any score the questions can give, so only the rule reaches it.
UPDATE segment.levels SET min_score = -10
WHERE name = 'C' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet_category');
SELECT segment.add_level('outlet_category', 'inactive', '-Infinity', -10);
SELECT segment.add_question('outlet_category', 'status', 'Is the outlet open?', 0);
SELECT segment.add_option('outlet_category', 'status', 'open', 'Open', 0);
SELECT segment.add_option('outlet_category', 'status', 'closed', 'Closed', 0);
SELECT segment.add_group('outlet_category', 'presence', max_points => 8);
SELECT segment.set_group('outlet_category', 'assortment', 'presence');
SELECT segment.set_group('outlet_category', 'visibility', 'presence');
SELECT segment.set_required('outlet_category', 'payments');
SELECT segment.force_level('outlet_category', 'status', 'closed', 'inactive');

-- The field agents' status answers: about one visited outlet in thirty is closed.
INSERT INTO segment.crm_companies_answers (client_id, question_id, option_id)
SELECT c.id, o.question_id, o.option_id
FROM crm.companies c
JOIN segment.answer_options o ON o.scheme = 'outlet_category' AND o.question = 'status'
 AND o.option = CASE WHEN abs(hashtext('status/' || c.id)) % 30 = 0 THEN 'closed' ELSE 'open' END
WHERE c.id <= 1160;

-- Subtypes: the outlet type of the CRM selects the outlet's variant. Supermarkets and
-- minimarkets (pharmacies are assessed as minimarkets) count their checkout counters; kiosks
-- instead count their opening hours, and have levels of their own: a kiosk with 20 points is
-- an "A" kiosk, a supermarket with 20 points a "B" one.
SELECT segment.add_variant('outlet_category', 'supermarket', 'Supermarket', ARRAY['supermarket']);
SELECT segment.add_variant('outlet_category', 'minimarket', 'Minimarket', ARRAY['minimarket', 'pharmacy']);
SELECT segment.add_variant('outlet_category', 'kiosk', 'Kiosk', ARRAY['kiosk']);
SELECT segment.attach('outlet_category', 'supermarket', 'checkouts');
SELECT segment.attach('outlet_category', 'minimarket', 'checkouts');
SELECT segment.add_question('outlet_category', 'opening_hours', 'Opening hours', 1);
SELECT segment.add_option('outlet_category', 'opening_hours', 'day', 'Daytime only', 0);
SELECT segment.add_option('outlet_category', 'opening_hours', 'late', 'Until late', 3);
SELECT segment.add_option('outlet_category', 'opening_hours', 'always', 'Around the clock', 6);
SELECT segment.attach('outlet_category', 'kiosk', 'opening_hours');
SELECT segment.add_level('outlet_category', 'C', '-Infinity', 12, 'kiosk');
SELECT segment.add_level('outlet_category', 'B', 12, 18, 'kiosk');
SELECT segment.add_level('outlet_category', 'A', 18, 'Infinity', 'kiosk');
INSERT INTO segment.crm_companies_answers (client_id, question_id, option_id)
SELECT c.id, o.question_id, o.option_id
FROM crm.companies c
JOIN segment.answer_options o ON o.scheme = 'outlet_category' AND o.question = 'opening_hours'
 AND o.option = (ARRAY['day', 'late', 'always'])[1 + abs(hashtext('hours/' || c.id)) % 3]
WHERE c.id <= 1160 AND c.outlet_type = 'kiosk';
SELECT segment.set_variant_column('outlet_category', 'outlet_type');
