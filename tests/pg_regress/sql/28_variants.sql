-- Variants (subtypes): a column of the client table (here format) selects which questions and
-- levels apply to a client. A kiosk with 12 points is an "A" kiosk; a supermarket with 12
-- points is a "C" supermarket. Questions attached to no variant serve every variant; answers to
-- the questions of another variant are kept but do not count. Each step ends with verify and
-- a ledger check, as in 27_rules.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA va;
CREATE TABLE va.outlets (code text PRIMARY KEY, format varchar(20), city text);
INSERT INTO va.outlets VALUES ('K1', 'kiosk', 'Faro'), ('K2', 'kiosk', 'Faro'), ('S1', 'super', 'Porto'),
    ('S2', 'hyper', 'Porto'), ('P1', 'pharmacy', 'Braga'), ('N1', NULL, 'Braga');
SELECT segment.create_scheme('formats', 'va.outlets') > 0 AS ok;
SELECT assignments_table AS asg, answers_table AS ans FROM segment.entities
WHERE client_table = 'va.outlets'::regclass \gset
SELECT segment.add_question('formats', 'size', 'Size?') > 0
   AND segment.add_option('formats', 'size', 'big', 'Big', 8) > 0
   AND segment.add_option('formats', 'size', 'small', 'Small', 2) > 0 AS ok;
SELECT segment.add_question('formats', 'fridge', 'Cold drinks fridge?') > 0
   AND segment.add_option('formats', 'fridge', 'yes', 'Yes', 4) > 0
   AND segment.add_option('formats', 'fridge', 'no', 'No', 0) > 0 AS ok;
SELECT segment.add_question('formats', 'aisles', 'Aisles with our products', kind => 'number') > 0
   AND segment.add_range('formats', 'aisles', 0, 3, 1) > 0
   AND segment.add_range('formats', 'aisles', 3, 'Infinity', 4) > 0 AS ok;
SELECT segment.add_parameter('formats', 'north', 'Northern city', 'city') > 0
   AND segment.add_match('formats', 'north', 'Porto', 2) > 0
   AND segment.add_match('formats', 'north', 'Braga', 2) > 0 AS ok;
SELECT segment.add_level('formats', 'C', '-Infinity', 10) > 0
   AND segment.add_level('formats', 'B', 10, 14) > 0
   AND segment.add_level('formats', 'A', 14, 'Infinity') > 0 AS ok;

CREATE FUNCTION va.consistent(scheme text DEFAULT 'formats') RETURNS text LANGUAGE sql AS $$
    WITH sc AS (SELECT scheme_id FROM segment.schemes WHERE name = scheme)
    SELECT format('verify: %s, ledger: %s',
        (SELECT count(*) FROM segment.verify(scheme)),
        (SELECT count(*) FROM (
            SELECT DISTINCT ON (h.client_id) h.client_id, h.new_score, h.new_segment
            FROM segment.va_outlets_history h, sc WHERE h.scheme_id = sc.scheme_id
            ORDER BY h.client_id, h.history_id DESC) h
         FULL JOIN (SELECT s.* FROM segment.va_outlets_assignments s, sc
                    WHERE s.scheme_id = sc.scheme_id) s ON s.client_id = h.client_id
         WHERE s.score IS DISTINCT FROM h.new_score OR s.segment IS DISTINCT FROM h.new_segment))
$$;
SELECT :'asg' = 'segment.va_outlets_assignments' AS names_as_assumed;

-- Every outlet answers size and fridge; supermarkets count aisles too.
SELECT segment.answer('formats', c, 'size', 'big'), segment.answer('formats', c, 'fridge', 'yes')
FROM unnest(ARRAY['K1', 'K2', 'S1', 'S2', 'P1', 'N1']) c;
SELECT segment.answer_number('formats', 'S1', 'aisles', 5);
SELECT client_id, score, segment, status FROM :asg ORDER BY client_id;

-- Subtypes: kiosks (the fridge counts) and supermarkets (hyper- too; the aisles count), each
-- with levels of its own under the same names.
SELECT segment.add_variant('formats', 'kiosk', 'Kiosk', ARRAY['kiosk']) > 0 AS ok;
SELECT segment.add_variant('formats', 'super', 'Supermarket', ARRAY['super', 'hyper']) > 0 AS ok;
SELECT segment.attach('formats', 'kiosk', 'fridge');
SELECT segment.attach('formats', 'super', 'aisles');
SELECT segment.add_level('formats', 'B', '-Infinity', 12, 'kiosk') > 0
   AND segment.add_level('formats', 'A', 12, 'Infinity', 'kiosk') > 0 AS ok;
SELECT segment.add_level('formats', 'C', '-Infinity', 14, 'super') > 0
   AND segment.add_level('formats', 'B', 14, 18, 'super') > 0
   AND segment.add_level('formats', 'A', 18, 'Infinity', 'super') > 0 AS ok;
-- (no variant column yet: every input counts, the scheme's levels apply)
SELECT client_id, score, segment, status FROM :asg ORDER BY client_id;
SELECT segment.set_variant_column('formats', 'format');
-- K1 and K2: 8 + 4 = 12, an "A" kiosk. S2: 8 + 2 (Porto) = 10, a "C" supermarket (its fridge
-- answer is kept, worth nothing). P1 and N1 match no variant: no segment.
SELECT client_id, score, segment, status FROM :asg ORDER BY client_id;
SELECT item, value, contribution, note FROM segment.explain('formats', 'S2');
SELECT va.consistent();

-- A client switching subtype is re-scored in the same statement; an update of another column
-- is not a change of variant.
UPDATE va.outlets SET format = 'super' WHERE code = 'K2';
SELECT client_id, score, segment, status FROM :asg WHERE client_id = 'K2';
SELECT segment.answer_number('formats', 'K2', 'aisles', 4);
SELECT client_id, score, segment FROM :asg WHERE client_id = 'K2';
UPDATE va.outlets SET format = 'kiosk' WHERE code = 'K2';
SELECT client_id, score, segment FROM :asg WHERE client_id = 'K2';
UPDATE va.outlets SET format = 'kiosk' WHERE code = 'P1';
SELECT client_id, score, segment, status FROM :asg WHERE client_id = 'P1';
SELECT count(*) AS history_rows_of_k1 FROM segment.history('formats', 'K1');
UPDATE va.outlets SET format = 'kiosk' WHERE code = 'K1';
SELECT count(*) AS history_rows_of_k1 FROM segment.history('formats', 'K1');
-- a bulk update of the column, and one under REPEATABLE READ
UPDATE va.outlets SET format = CASE format WHEN 'kiosk' THEN 'super' ELSE 'kiosk' END
WHERE code IN ('K1', 'S1');
BEGIN ISOLATION LEVEL REPEATABLE READ;
UPDATE va.outlets SET format = 'hyper' WHERE code = 'N1';
COMMIT;
SELECT client_id, score, segment, status FROM :asg ORDER BY client_id;
SELECT va.consistent();

-- The questionnaire of a variant: its questions (and those of every variant), its levels; for a
-- client, that of its variant with its answers.
SELECT q ->> 'code' AS code, q -> 'variants' AS variants
FROM jsonb_array_elements(segment.questionnaire('formats', 'kiosk') -> 'questions') q;
SELECT l ->> 'name' AS level, l -> 'min_score' AS min_score
FROM jsonb_array_elements(segment.questionnaire('formats', 'kiosk') -> 'levels') l;
SELECT jsonb_array_length(segment.questionnaire('formats') -> 'questions') AS all_questions;
SELECT d -> 'variant' AS variant, (SELECT jsonb_agg(q ->> 'code') FROM jsonb_array_elements(d -> 'questions') q) AS questions
FROM segment.questionnaire_for('formats', 'S2') d;

-- Rules per variant: a kiosk's required question (a supermarket lacks nothing without it), a
-- forced level on a supermarket's input (a kiosk's answer to it forces nothing).
SELECT segment.add_question('formats', 'license', 'Tobacco license?') > 0
   AND segment.add_option('formats', 'license', 'yes', 'Yes', 1) > 0 AS ok;
SELECT segment.attach('formats', 'kiosk', 'license');
SELECT segment.set_required('formats', 'license');
SELECT segment.force_level('formats', 'aisles', '0', 'C') > 0 AS ok;
SELECT segment.answer_number('formats', 'K1', 'aisles', 0);
SELECT segment.answer_number('formats', 'K2', 'aisles', 0);
SELECT client_id, score, segment, status, forced, missing FROM :asg ORDER BY client_id;
SELECT va.consistent();
SELECT * FROM segment.check_scheme('formats', '[
  {"name": "kiosk, 12 points", "variant": "kiosk",
   "answers": {"size": "big", "fridge": "yes", "license": "yes"}, "expected": "A"},
  {"name": "supermarket, 12 points", "variant": "super",
   "answers": {"size": "big", "aisles": 2}, "parameters": {"north": "Porto"}, "expected": "C"},
  {"name": "no variant", "answers": {"size": "big"}, "expected": null}]');

-- Unsetting the column: every input counts again and the scheme's levels apply.
SELECT segment.set_variant_column('formats', NULL);
SELECT client_id, score, segment, status FROM :asg ORDER BY client_id;
SELECT va.consistent();
SELECT segment.set_variant_column('formats', 'format');
SELECT va.consistent();

-- A forced level applies as it is named, whichever levels it is of: a scheme's level forced
-- for a kiosk (which has levels of its own), and a kiosk's level forced for a supermarket.
SELECT segment.add_question('formats', 'status', 'Open?', 0) > 0
   AND segment.add_option('formats', 'status', 'closed', 'Closed', 0) > 0
   AND segment.add_option('formats', 'status', 'moved', 'Moved away', 0) > 0 AS ok;
UPDATE segment.levels SET min_score = -100 WHERE name = 'C' AND variant_id IS NULL
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'formats');
SELECT segment.add_level('formats', 'inactive', '-Infinity', -100) > 0 AS ok;
SELECT segment.force_level('formats', 'status', 'closed', 'inactive') > 0 AS ok;
UPDATE segment.levels SET min_score = -500 WHERE name = 'B'
  AND variant_id = (SELECT variant_id FROM segment.variants WHERE code = 'kiosk');
SELECT segment.add_level('formats', 'gone', -1000, -500, 'kiosk') > 0 AS ok;
SELECT segment.force_level('formats', 'status', 'moved', 'gone') > 0 AS ok;
SELECT segment.answer('formats', 'K2', 'status', 'closed'), segment.answer('formats', 'S2', 'status', 'moved');
SELECT client_id, segment, status, forced FROM :asg WHERE client_id IN ('K2', 'S2') ORDER BY client_id;
SELECT * FROM segment.check_scheme('formats', '[
  {"name": "closed kiosk", "variant": "kiosk", "answers": {"status": "closed"}, "expected": "inactive"},
  {"name": "moved supermarket", "variant": "super", "answers": {"status": "moved"}, "expected": "gone"}]');
SELECT va.consistent();
-- A level a rule forces is not deleted, alone or with its variant: 23503 naming the rule (the
-- foreign key's own message named ids only), with a hint that deletes that very rule, and
-- nothing changes. (va.refused shows the hint with the rule's id checked and put aside.)
CREATE FUNCTION va.refused(statement text, level text) RETURNS TABLE (state text, message text,
    detail text, hint text) LANGUAGE plpgsql AS $$
DECLARE
    rule integer := (SELECT f.rule_id FROM segment.forced_levels f
                     JOIN segment.levels l USING (level_id) JOIN segment.schemes s ON s.scheme_id = l.scheme_id
                     WHERE l.name = level AND s.name = 'formats');
BEGIN
    EXECUTE statement;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
        detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    hint := replace(hint, 'rule_id = ' || rule || ')', 'rule_id = <the rule''s id>)');
    RETURN NEXT;
END $$;
\x on
SELECT * FROM va.refused($$DELETE FROM segment.variants WHERE code = 'kiosk'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'formats')$$, 'gone');
SELECT * FROM va.refused($$DELETE FROM segment.levels WHERE name = 'inactive'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'formats')$$, 'inactive');
\x off
SELECT count(*) AS levels FROM segment.levels l JOIN segment.schemes s USING (scheme_id)
WHERE s.name = 'formats';
SELECT va.consistent();

-- The variant column's text form does not depend on the session: a date column under another
-- DateStyle selects the same variants, for the writer and for verify.
CREATE TABLE va.shops (id integer PRIMARY KEY, opened date);
INSERT INTO va.shops VALUES (1, '2024-01-02'), (2, '2024-01-02'), (3, '2025-06-30');
SELECT segment.create_scheme('openings', 'va.shops') > 0 AS ok;
SELECT segment.add_question('openings', 'q', 'Q?') > 0 AND segment.add_option('openings', 'q', 'a', 'A', 1) > 0 AS ok;
SELECT segment.add_level('openings', 'later', '-Infinity', 'Infinity') > 0 AS ok;
SELECT segment.add_variant('openings', 'first', 'Opened on 2 January 2024', ARRAY['2024-01-02']) > 0 AS ok;
SELECT segment.add_level('openings', 'pioneer', '-Infinity', 'Infinity', 'first') > 0 AS ok;
SELECT segment.set_variant_column('openings', 'opened');
SELECT segment.answer('openings', 1, 'q', 'a');
SET DateStyle = 'SQL, DMY';
SELECT segment.answer('openings', 2, 'q', 'a'), segment.answer('openings', 3, 'q', 'a');
SELECT client_id, segment FROM segment.va_shops_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('openings');
SELECT segment.questionnaire_for('openings', 2) -> 'variant' AS variant_of_2;
RESET DateStyle;
SELECT count(*) AS disagreeing FROM segment.verify('openings');
-- (more clients, whose keys sort otherwise as text: verify lists their variants as the owner)
INSERT INTO va.shops SELECT g, CASE WHEN g % 2 = 0 THEN date '2024-01-02' ELSE date '2025-01-01' END
FROM generate_series(4, 12) g;
SELECT count(*) FROM (SELECT segment.answer('openings', g, 'q', 'a') FROM generate_series(4, 12) g) a;
SELECT segment, count(*) FROM segment.va_shops_assignments GROUP BY segment ORDER BY segment;
SELECT count(*) AS disagreeing FROM segment.verify('openings');

-- A reader (segment.grant_reader) reads explanations, questionnaires and verify of a scheme
-- with variants without any right on the client table: the variants are listed as its owner.
CREATE ROLE va_reader;
SELECT segment.grant_reader('va_reader');
SET ROLE va_reader;
SELECT item, note FROM segment.explain('formats', 'S2') WHERE note IS NOT NULL;
SELECT segment.questionnaire_for('formats', 'K2') -> 'variant' AS variant_of_k2;
SELECT count(*) AS disagreeing FROM segment.verify('formats');
RESET ROLE;
SELECT segment.revoke_role('va_reader');
DROP ROLE va_reader;

-- A scheme as code keeps its variants.
SELECT d -> 'variant_column' AS variant_column, jsonb_pretty(d -> 'variants') AS variants
FROM segment.export_scheme('formats') d;
SELECT segment.import_scheme(jsonb_set(segment.export_scheme('formats'), '{name}', '"formats copy"')) > 0 AS ok;
SELECT segment.export_scheme('formats copy') - 'name' = segment.export_scheme('formats') - 'name'
       AS same_configuration;
SELECT va.consistent('formats copy');

-- Errors: each names what is wrong, with its SQLSTATE, and writes nothing.
SELECT segment.add_variant('formats', 'kiosk', 'Kiosk again', ARRAY['booth']);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_variant('formats', 'mini', 'Minimarket', ARRAY['mini', 'kiosk']);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_variant('formats', 'mini', 'Minimarket', ARRAY[]::text[]);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_variant('formats', 'mini', 'Minimarket', ARRAY['mini', NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT segment.attach('formats', 'minimarket', 'size');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.attach('formats', 'kiosk', 'sizes');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_level('formats', 'A', 30, 'Infinity', 'kiosk');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_level('formats', 'A+', 11, 'Infinity', 'kiosk');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.add_level('formats', 'A', 30, 'Infinity', 'booth');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.set_variant_column('formats', 'colour');
\echo :LAST_ERROR_SQLSTATE
SELECT segment.questionnaire('formats', 'booth');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM segment.check_scheme('formats', '[{"variant": "booth", "expected": null}]');
\echo :LAST_ERROR_SQLSTATE
-- the column that selects the variants stays as it is named
ALTER TABLE va.outlets RENAME COLUMN format TO outlet_format;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE va.outlets DROP COLUMN format CASCADE;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS variants FROM segment.variants v JOIN segment.schemes s USING (scheme_id)
WHERE s.name = 'formats';
SELECT va.consistent();
-- A scheme whose rules force levels is deleted with its levels and rules.
SELECT segment.drop_scheme('formats');
SELECT count(*) AS rules_left FROM segment.forced_levels f
WHERE NOT EXISTS (SELECT 1 FROM segment.schemes s WHERE s.scheme_id = f.scheme_id);
