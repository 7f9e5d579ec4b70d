-- Administrator: in consecutive autocommit statements, changes one of the two schemes over
-- st.companies (size or risk), then the scheme over st.accounts (loyalty): an option's points,
-- a question's weight, or a level boundary; then the scheme over st.customers (value): a
-- parameter range's points, a parameter's weight, or a refresh; then the scheme over st.accounts
-- with other question kinds (kinds): an option's points, a weight, or a number range's points. Level ranges must never overlap, so a shared
-- boundary moves inside one transaction: first shrink the level that loses ground (a no-op
-- when it does not), then move the neighbour, then grow the first one up to it. Boundaries stay
-- inside fixed ranges, so min_score < max_score always holds.
\set s random(1, 2)
\set kind random(1, 3)
\set pts random(-6, 12)
\set w random(1, 8)
\if :kind = 1
UPDATE segment.options SET points = :pts WHERE option_id = (
    SELECT option_id FROM segment.answer_options
    WHERE scheme = (ARRAY['size', 'risk'])[:s] ORDER BY random() LIMIT 1);
\elif :kind = 2
UPDATE segment.questions SET weight = :w / 2.0 WHERE question_id = (
    SELECT question_id FROM segment.answer_options
    WHERE scheme = (ARRAY['size', 'risk'])[:s] ORDER BY random() LIMIT 1);
\elif :s = 1
-- size: the small/medium boundary, within [0, 12] (medium ends at 20)
\set b random(0, 12)
BEGIN;
UPDATE segment.levels SET max_score = :b WHERE name = 'small' AND max_score > :b
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'size');
UPDATE segment.levels SET min_score = :b WHERE name = 'medium'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'size');
UPDATE segment.levels SET max_score = :b WHERE name = 'small'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'size');
COMMIT;
\else
-- risk: the mid/high boundary, within [2, 10] (mid starts at 0)
\set b random(2, 10)
BEGIN;
UPDATE segment.levels SET max_score = :b WHERE name = 'mid' AND max_score > :b
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'risk');
UPDATE segment.levels SET min_score = :b WHERE name = 'high'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'risk');
UPDATE segment.levels SET max_score = :b WHERE name = 'mid'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'risk');
COMMIT;
\endif
\set kind random(1, 3)
\set pts random(-6, 12)
\set w random(1, 8)
\if :kind = 1
UPDATE segment.options SET points = :pts WHERE option_id = (
    SELECT option_id FROM segment.answer_options WHERE scheme = 'loyalty' ORDER BY random() LIMIT 1);
\elif :kind = 2
UPDATE segment.questions SET weight = :w / 2.0 WHERE question_id = (
    SELECT question_id FROM segment.answer_options WHERE scheme = 'loyalty' ORDER BY random() LIMIT 1);
\else
-- loyalty: the silver/gold boundary, within [6, 16] (silver starts at 4), by deleting gold and
-- inserting it again at the new boundary
\set b random(6, 16)
BEGIN;
DELETE FROM segment.levels WHERE name = 'gold'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'loyalty');
UPDATE segment.levels SET max_score = :b WHERE name = 'silver'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'loyalty');
INSERT INTO segment.levels (scheme_id, name, min_score, max_score)
SELECT scheme_id, 'gold', :b, 'Infinity' FROM segment.schemes WHERE name = 'loyalty';
COMMIT;
\endif
-- risk's rules now and then: its group's cap (never below its floor -4), or q3 required or not
\set r random(1, 4)
\if :r = 1
UPDATE segment.groups SET max_points = greatest(:pts, -4) WHERE code = 'r12';
\elif :r = 2
UPDATE segment.questions SET required = NOT required WHERE code = 'q3'
  AND scheme_id = (SELECT scheme_id FROM segment.schemes WHERE name = 'risk');
\endif
-- value: the points of one of its parameter ranges, a parameter's weight, or a refresh
\set kind random(1, 3)
\if :kind = 1
UPDATE segment.parameter_ranges SET points = :pts WHERE range_id = (
    SELECT r.range_id FROM segment.parameter_ranges r JOIN segment.parameters p USING (parameter_id)
    JOIN segment.schemes s USING (scheme_id) WHERE s.name = 'value' ORDER BY random() LIMIT 1);
\elif :kind = 2
UPDATE segment.parameters SET weight = :w / 2.0 WHERE parameter_id = (
    SELECT parameter_id FROM segment.parameters p JOIN segment.schemes s USING (scheme_id)
    WHERE s.name = 'value' ORDER BY random() LIMIT 1);
\else
SELECT segment.refresh('value');
\endif
-- kinds: an option's points, a question's weight, or a number question's range's points
\set kind random(1, 3)
\if :kind = 1
UPDATE segment.options SET points = :pts WHERE option_id = (
    SELECT option_id FROM segment.answer_options WHERE scheme = 'kinds' ORDER BY random() LIMIT 1);
\elif :kind = 2
UPDATE segment.questions SET weight = :w / 2.0 WHERE question_id = (
    SELECT q.question_id FROM segment.questions q JOIN segment.schemes s USING (scheme_id)
    WHERE s.name = 'kinds' ORDER BY random() LIMIT 1);
\else
UPDATE segment.question_ranges SET points = :pts WHERE range_id = (
    SELECT r.range_id FROM segment.question_ranges r JOIN segment.questions q USING (question_id)
    JOIN segment.schemes s USING (scheme_id) WHERE s.name = 'kinds' ORDER BY random() LIMIT 1);
\endif
\sleep :pause ms
