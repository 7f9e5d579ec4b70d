-- Draft, preview, publish: a draft copies a scheme's configuration; editing it moves nobody
-- and writes no history; segment.preview shows exactly the clients publishing would move
-- (checked against what segment.publish then writes), segment.preview_transitions the matrix;
-- publishing keeps the scheme's id and name, bumps its version once and logs cause 'publish'.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE SCHEMA dr;
CREATE TABLE dr.outlets (id integer PRIMARY KEY, format text, staff integer);
CREATE TABLE dr.sales (outlet integer NOT NULL, amount numeric NOT NULL);
INSERT INTO dr.outlets SELECT g, CASE WHEN g % 3 = 0 THEN 'kiosk' ELSE 'super' END, g * 2
FROM generate_series(1, 12) g;
INSERT INTO dr.sales SELECT 1 + g % 12, g * 5 FROM generate_series(1, 40) g;
SELECT segment.create_scheme('outlet', 'dr.outlets', 'Outlets') > 0 AS ok;
SELECT segment.add_question('outlet', 'size', 'Size?', 2) > 0
   AND segment.add_option('outlet', 'size', 'small', 'Small', 1) > 0
   AND segment.add_option('outlet', 'size', 'big', 'Big', 5) > 0
   AND segment.add_option('outlet', 'size', 'huge', 'Huge', 8) > 0 AS ok;
SELECT segment.add_question('outlet', 'pay', 'Payments', kind => 'multiple') > 0
   AND segment.add_option('outlet', 'pay', 'cash', 'Cash', 0) > 0
   AND segment.add_option('outlet', 'pay', 'card', 'Card', 2) > 0 AS ok;
SELECT segment.add_question('outlet', 'tills', 'Checkouts', kind => 'number') > 0
   AND segment.add_range('outlet', 'tills', '-Infinity', 3, 0) > 0
   AND segment.add_range('outlet', 'tills', 3, 'Infinity', 3) > 0 AS ok;
SELECT segment.add_parameter('outlet', 'sales', 'Sales', 'sum(amount)', 0.1,
                             source => 'dr.sales', client_column => 'outlet') > 0 AS ok;
SELECT segment.add_range('outlet', 'sales', 0, 'Infinity', 10) > 0 AS ok;
SELECT segment.add_level('outlet', 'low', '-Infinity', 8) > 0
   AND segment.add_level('outlet', 'mid', 8, 14) > 0
   AND segment.add_level('outlet', 'high', 14, 'Infinity') > 0 AS ok;
SELECT count(*) AS answered FROM (
    SELECT segment.answer('outlet', g, 'size', (ARRAY['small', 'big', 'huge'])[1 + g % 3])
    FROM generate_series(1, 10) g) a;
SELECT count(*) AS answered FROM (
    SELECT segment.answer('outlet', g, 'pay', ARRAY['card']) FROM generate_series(1, 12, 2) g) a;
SELECT count(*) AS answered FROM (
    SELECT segment.answer_number('outlet', g, 'tills', g) FROM generate_series(2, 8, 3) g) a;
SELECT client_id, score, segment FROM segment.dr_outlets_assignments ORDER BY client_id;

-- The draft: a copy of the whole configuration, under <scheme>@draft.
SELECT segment.create_draft('outlet');
SELECT (segment.export_scheme('outlet@draft') - 'name') = (segment.export_scheme('outlet') - 'name')
       AS same_configuration;
SELECT s.name, s.draft_of = l.scheme_id AS of_outlet
FROM segment.schemes s JOIN segment.schemes l ON l.name = 'outlet' WHERE s.name = 'outlet@draft';
-- the triggers on the client table and the related table, which a draft never changes
CREATE TEMP TABLE client_triggers AS
SELECT tgname, pg_get_triggerdef(oid) AS definition FROM pg_trigger
WHERE tgrelid IN ('dr.outlets'::regclass, 'dr.sales'::regclass) AND NOT tgisinternal;
CREATE TEMP TABLE ledger AS
SELECT (SELECT count(*) FROM segment.dr_outlets_history) AS history,
       (SELECT array_agg((scheme_id, client_id, score, segment, status, version)::text
                         ORDER BY scheme_id, client_id)
        FROM segment.dr_outlets_assignments) AS assignments,
       (SELECT version FROM segment.schemes WHERE name = 'outlet') AS version,
       (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet') AS scheme_id;

-- Editing the draft with the administrator's functions and plain SQL: a weight, a points
-- change, a moved boundary, a new question, a group with a cap, a forced level, variants.
UPDATE segment.questions SET weight = 3
WHERE code = 'size' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet@draft');
UPDATE segment.options o SET points = 4 FROM segment.questions q
WHERE q.question_id = o.question_id AND o.code = 'card'
  AND q.scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet@draft');
DELETE FROM segment.levels
WHERE scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet@draft');
SELECT segment.add_level('outlet@draft', 'low', '-Infinity', 10) > 0
   AND segment.add_level('outlet@draft', 'mid', 10, 18) > 0
   AND segment.add_level('outlet@draft', 'high', 18, 'Infinity') > 0 AS ok;
SELECT segment.add_question('outlet@draft', 'fridge', 'Fridge?') > 0
   AND segment.add_option('outlet@draft', 'fridge', 'yes', 'Yes', 1) > 0 AS ok;
SELECT segment.add_group('outlet@draft', 'equipment', max_points => 5) > 0 AS ok;
SELECT segment.set_group('outlet@draft', 'tills', 'equipment'),
       segment.set_group('outlet@draft', 'pay', 'equipment');
SELECT segment.force_level('outlet@draft', 'size', 'huge', 'high') > 0 AS ok;
SELECT segment.set_variant_column('outlet@draft', 'format');
SELECT segment.add_variant('outlet@draft', 'kiosk', 'Kiosk', ARRAY['kiosk']) > 0
   AND segment.add_variant('outlet@draft', 'super', 'Supermarket', ARRAY['super']) > 0 AS ok;
SELECT segment.attach('outlet@draft', 'super', 'tills');
SELECT segment.add_level('outlet@draft', 'small kiosk', '-Infinity', 6, 'kiosk') > 0
   AND segment.add_level('outlet@draft', 'good kiosk', 6, 'Infinity', 'kiosk') > 0 AS ok;
SELECT segment.add_parameter('outlet@draft', 'staff', 'Staff', 'staff', 0.5) > 0
   AND segment.add_range('outlet@draft', 'staff', 10, 'Infinity', 2) > 0 AS ok;
-- levels of a draft are checked like a scheme's
SELECT segment.add_level('outlet@draft', 'overlap', 12, 20);
-- Nothing moved: no history, the same assignments, the live version unchanged.
SELECT (SELECT count(*) FROM segment.dr_outlets_history) = history AS no_history,
       (SELECT array_agg((scheme_id, client_id, score, segment, status, version)::text
                         ORDER BY scheme_id, client_id)
        FROM segment.dr_outlets_assignments) = assignments AS same_assignments,
       (SELECT version FROM segment.schemes WHERE name = 'outlet') = version AS same_version
FROM ledger;
SELECT count(*) AS triggers_changed FROM (
    (SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
     WHERE tgrelid IN ('dr.outlets'::regclass, 'dr.sales'::regclass) AND NOT tgisinternal
     EXCEPT SELECT * FROM client_triggers)
    UNION ALL
    (SELECT * FROM client_triggers
     EXCEPT SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger
     WHERE tgrelid IN ('dr.outlets'::regclass, 'dr.sales'::regclass) AND NOT tgisinternal)) d;
-- An answer written with plain SQL to a draft's question is kept but scores nobody; the API
-- refuses a draft.
INSERT INTO segment.dr_outlets_answers (client_id, question_id, option_id)
SELECT 11, o.question_id, o.option_id FROM segment.options o
JOIN segment.questions q USING (question_id)
WHERE q.code = 'fridge' AND q.scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet@draft');
SELECT count(*) AS draft_assignments FROM segment.dr_outlets_assignments a
JOIN segment.schemes s USING (scheme_id) WHERE s.draft_of IS NOT NULL;
SELECT segment.answer('outlet@draft', 1, 'size', 'big');
SELECT segment.segment_of('outlet@draft', 1);
SELECT * FROM segment.verify('outlet@draft');
SELECT segment.refresh('outlet@draft');
-- Live writes go on as before while the draft exists.
SELECT segment.answer('outlet', 12, 'size', 'big');
SELECT segment.answer('outlet', 12, 'fridge', 'yes');
SELECT * FROM segment.verify('outlet');

-- Preview: every client whose score or segment would change, and the matrix of moves.
UPDATE ledger SET history = (SELECT count(*) FROM segment.dr_outlets_history);
SELECT * FROM segment.preview('outlet@draft');
SELECT * FROM segment.preview_transitions('outlet@draft');
CREATE TEMP TABLE previewed AS SELECT * FROM segment.preview('outlet@draft');
CREATE TEMP TABLE matrix AS SELECT * FROM segment.preview_transitions('outlet@draft');
SELECT (SELECT sum(clients) FROM matrix) = (SELECT count(*) FROM segment.dr_outlets_assignments
                                            WHERE scheme_id = (SELECT scheme_id FROM ledger))
       AS matrix_counts_every_assigned_client,
       (SELECT sum(clients) FROM matrix WHERE from_segment IS DISTINCT FROM to_segment)
       = (SELECT count(*) FROM previewed WHERE current_segment IS DISTINCT FROM draft_segment)
       AS off_diagonal_is_previewed_moves;
-- A preview writes nothing.
SELECT (SELECT count(*) FROM segment.dr_outlets_history) = history AS no_history FROM ledger;

-- Publish: the draft becomes the live configuration of the same scheme.
SELECT segment.publish('outlet@draft') AS clients_moved;
SELECT (SELECT count(*) FROM previewed WHERE current_segment IS DISTINCT FROM draft_segment)
       AS previewed_moves;
SELECT s.scheme_id = l.scheme_id AS same_id, s.version = l.version + 1 AS version_bumped_once
FROM segment.schemes s, ledger l WHERE s.name = 'outlet';
SELECT count(*) AS drafts_left FROM segment.schemes WHERE draft_of IS NOT NULL;
-- What publish logged is exactly what preview showed.
SELECT h.client_id::text AS client, h.old_score, h.new_score, h.old_segment, h.new_segment
FROM segment.dr_outlets_history h WHERE h.cause = 'publish'
EXCEPT
SELECT client, current_score, draft_score, current_segment, draft_segment FROM previewed;
SELECT client, current_score, draft_score, current_segment, draft_segment FROM previewed
EXCEPT
SELECT h.client_id::text, h.old_score, h.new_score, h.old_segment, h.new_segment
FROM segment.dr_outlets_history h WHERE h.cause = 'publish';
SELECT DISTINCT h.version = l.version + 1 AS logged_under_new_version
FROM segment.dr_outlets_history h, ledger l WHERE h.cause = 'publish';
SELECT * FROM segment.verify('outlet');
SELECT client_id, score, segment, status FROM segment.dr_outlets_assignments ORDER BY client_id;
-- the published parameter over staff is live now: an UPDATE of staff re-scores the outlet
UPDATE dr.outlets SET staff = 4 WHERE id = 11;
SELECT score, segment FROM segment.dr_outlets_assignments WHERE client_id = 11;
SELECT * FROM segment.verify('outlet');
-- The answer written to the draft's question went with the draft; live answers stayed.
SELECT count(*) AS answers FROM segment.dr_outlets_answers;
SELECT * FROM segment.explain('outlet', 12);

-- Discard drops a draft and moves nobody.
CREATE TEMP TABLE before_discard AS SELECT count(*) AS n FROM segment.dr_outlets_history;
SELECT segment.create_draft('outlet');
SELECT segment.add_question('outlet@draft', 'extra', 'Extra') > 0 AS ok;
SELECT segment.discard('outlet@draft');
SELECT count(*) AS drafts_left FROM segment.schemes WHERE draft_of IS NOT NULL;
SELECT (SELECT count(*) FROM segment.dr_outlets_history) = n AS nothing_logged FROM before_discard;

-- import_scheme(replace => true) publishes a document into a live scheme the same way; a
-- document that does not hold together (a forced level of a level it lacks) changes nothing.
CREATE TEMP TABLE doc AS SELECT segment.export_scheme('outlet') AS doc;
UPDATE doc SET doc = jsonb_set(doc, '{levels}',
    '[{"name": "all", "min_score": null, "max_score": null, "variant": null}]'::jsonb
    || (SELECT jsonb_agg(l) FROM jsonb_array_elements(doc -> 'levels') l WHERE l ->> 'variant' IS NOT NULL));
SELECT segment.import_scheme(doc, replace => true) FROM doc;
SELECT segment.import_scheme(jsonb_set(doc, '{forced_levels}', '[]'), replace => true)
       = (SELECT scheme_id FROM ledger) AS same_id FROM doc;
SELECT DISTINCT segment FROM segment.dr_outlets_assignments ORDER BY 1;
SELECT count(*) > 0 AS logged FROM segment.dr_outlets_history
WHERE cause = 'publish' AND new_segment = 'all';
SELECT * FROM segment.verify('outlet');

-- Errors: each with its SQLSTATE, writing nothing.
\set VERBOSITY sqlstate
SELECT segment.create_draft('nope');
SELECT segment.create_draft(NULL);
SELECT segment.create_draft('outlet');
SELECT segment.create_draft('outlet');
SELECT segment.create_draft('outlet@draft');
SELECT segment.preview('outlet');
SELECT segment.preview_transitions('outlet');
SELECT segment.preview(NULL);
SELECT segment.publish('outlet');
SELECT segment.publish('nope');
SELECT segment.discard('outlet');
SELECT segment.discard(NULL);
UPDATE segment.schemes SET draft_of = NULL WHERE name = 'outlet@draft';
INSERT INTO segment.schemes (name, entity_id, draft_of)
SELECT 'stray', entity_id, 424242 FROM segment.schemes WHERE name = 'outlet';
INSERT INTO segment.schemes (name, entity_id, draft_of)
SELECT 'draft of a draft', entity_id, scheme_id FROM segment.schemes WHERE name = 'outlet@draft';
SELECT segment.notify('outlet@draft');
SELECT segment.answer('outlet@draft', 1, 'size', 'big');
\set VERBOSITY default
INSERT INTO segment.schemes (name, entity_id, draft_of)
SELECT 'stray', entity_id, 424242 FROM segment.schemes WHERE name = 'outlet';
SELECT segment.create_draft('outlet');
SELECT segment.preview('outlet');
SELECT segment.answer('outlet@draft', 1, 'size', 'big');

-- An administrator who owns neither table drafts, previews and publishes: with what any
-- administrator of such a scheme needs (reading the tables its parameters read, as their
-- definer; TRIGGER on the client table whose column selects its variants).
CREATE ROLE dr_admin;
SELECT segment.grant_admin('dr_admin');
GRANT USAGE ON SCHEMA dr TO dr_admin;
GRANT SELECT ON dr.outlets, dr.sales TO dr_admin;
SET ROLE dr_admin;
SELECT segment.discard('outlet@draft');
SELECT segment.create_draft('outlet');
RESET ROLE;
GRANT TRIGGER ON dr.outlets, dr.sales TO dr_admin;
SET ROLE dr_admin;
SELECT segment.create_draft('outlet');
UPDATE segment.levels SET max_score = 20
WHERE name = 'all' AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'outlet@draft');
SELECT segment.add_level('outlet@draft', 'top', 20, 'Infinity') > 0 AS ok;
SELECT * FROM segment.preview_transitions('outlet@draft');
SELECT segment.publish('outlet@draft');
RESET ROLE;
SELECT * FROM segment.verify('outlet');

-- Dropping a scheme drops its draft.
SELECT segment.create_draft('outlet');
SELECT count(*) AS schemes FROM segment.schemes WHERE name LIKE 'outlet%';
SELECT segment.drop_scheme('outlet');
SELECT count(*) AS schemes_left FROM segment.schemes WHERE name LIKE 'outlet%';
SELECT segment.revoke_role('dr_admin');
DROP SCHEMA dr CASCADE;
DROP ROLE dr_admin;
