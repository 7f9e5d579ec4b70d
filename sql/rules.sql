-- Rules beyond a plain sum of weighted points: groups whose members' points are clamped
-- together, required questions, and levels forced by an answer or a parameter value. A scheme
-- with any of them ("ruled": sql/queries/linear_scheme.sql says which) is re-scored client by
-- client from scratch (sql/queries/recompute_ruled.sql), never by adding deltas to a stored
-- score: a clamp, a forced level or a missing required answer is not a sum.

-- A group of a scheme's inputs: the weighted contributions of its members are summed and the
-- sum clamped to [min_points, max_points] (an open end: NULL) before it joins the score. A
-- group none of whose members the client has a value for adds nothing.
CREATE TABLE segment.groups (
    group_id   serial PRIMARY KEY,
    scheme_id  integer NOT NULL REFERENCES segment.schemes ON DELETE CASCADE,
    code       text NOT NULL CONSTRAINT groups_code_not_blank CHECK (btrim(code) <> ''),
    min_points numeric CONSTRAINT groups_min_points_range
               CHECK (abs(min_points) < 1e15 AND min_points = round(min_points, 4)),
    max_points numeric CONSTRAINT groups_max_points_range
               CHECK (abs(max_points) < 1e15 AND max_points = round(max_points, 4)),
    CONSTRAINT groups_bounds_order CHECK (min_points <= max_points),
    CONSTRAINT groups_code_key UNIQUE (scheme_id, code),
    -- target of the members' foreign keys, so a member is always in a group of its own scheme
    CONSTRAINT groups_id_scheme_key UNIQUE (group_id, scheme_id)
);

-- Questions and parameters name their group; a question may be required (unanswered: the
-- client's status is incomplete and its segment NULL, as for a required parameter).
ALTER TABLE segment.questions
    ADD COLUMN group_id integer,
    ADD COLUMN required boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT questions_group_fkey FOREIGN KEY (group_id, scheme_id)
        REFERENCES segment.groups (group_id, scheme_id) ON DELETE SET NULL (group_id);
ALTER TABLE segment.parameters
    ADD COLUMN group_id integer,
    ADD CONSTRAINT parameters_group_fkey FOREIGN KEY (group_id, scheme_id)
        REFERENCES segment.groups (group_id, scheme_id) ON DELETE SET NULL (group_id),
    ADD CONSTRAINT parameters_id_scheme_key UNIQUE (parameter_id, scheme_id);
ALTER TABLE segment.levels ADD CONSTRAINT levels_id_scheme_key UNIQUE (level_id, scheme_id);
CREATE INDEX questions_group_idx ON segment.questions (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX parameters_group_idx ON segment.parameters (group_id) WHERE group_id IS NOT NULL;

-- A forced level: a client whose answer to the question is the option (option_id; for a
-- number question, whose value equals value) or whose parameter's value equals value (text
-- form) gets the level whatever its points, with status 'forced'; its score is still computed
-- and stored. Of several rules that apply, the one defined first (lowest rule_id) wins. A rule
-- goes with its question, option or parameter; a level a rule forces cannot be dropped before
-- the rule.
CREATE TABLE segment.forced_levels (
    rule_id      serial PRIMARY KEY,
    scheme_id    integer NOT NULL REFERENCES segment.schemes ON DELETE CASCADE,
    question_id  integer,
    option_id    integer,
    parameter_id integer,
    value        text NOT NULL,
    level_id     integer NOT NULL,
    CONSTRAINT forced_levels_one_item CHECK ((question_id IS NULL) <> (parameter_id IS NULL)),
    CONSTRAINT forced_levels_option_of_question CHECK (option_id IS NULL OR question_id IS NOT NULL),
    CONSTRAINT forced_levels_question_fkey FOREIGN KEY (question_id, scheme_id)
        REFERENCES segment.questions (question_id, scheme_id) ON DELETE CASCADE,
    CONSTRAINT forced_levels_option_fkey FOREIGN KEY (option_id, question_id)
        REFERENCES segment.options (option_id, question_id) ON DELETE CASCADE,
    CONSTRAINT forced_levels_parameter_fkey FOREIGN KEY (parameter_id, scheme_id)
        REFERENCES segment.parameters (parameter_id, scheme_id) ON DELETE CASCADE,
    CONSTRAINT forced_levels_level_fkey FOREIGN KEY (level_id, scheme_id)
        REFERENCES segment.levels (level_id, scheme_id),
    CONSTRAINT forced_levels_value_key UNIQUE NULLS NOT DISTINCT (question_id, parameter_id, value)
);
CREATE INDEX forced_levels_scheme_idx ON segment.forced_levels (scheme_id);
CREATE INDEX forced_levels_option_idx ON segment.forced_levels (option_id, question_id)
    WHERE option_id IS NOT NULL;
CREATE INDEX forced_levels_parameter_idx ON segment.forced_levels (parameter_id, scheme_id)
    WHERE parameter_id IS NOT NULL;
CREATE INDEX forced_levels_level_idx ON segment.forced_levels (level_id, scheme_id);

SELECT pg_catalog.pg_extension_config_dump('segment.groups', '');
SELECT pg_catalog.pg_extension_config_dump('segment.groups_group_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.forced_levels', '');
SELECT pg_catalog.pg_extension_config_dump('segment.forced_levels_rule_id_seq', '');

-- Before a forced level is written: what it names must fit its item. A choice question's rule
-- names one of its options (value is that option's code, option_id is looked up from it); a
-- number question's value is a number; a parameter's is compared as the value's text form.
CREATE FUNCTION segment._forced_level_written() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    q segment.questions;
BEGIN
    IF NEW.question_id IS NULL THEN
        NEW.option_id := NULL;
        -- a boolean parameter's text form is true or false: any other value never matches
        IF (SELECT p.value_type FROM segment.parameters p
            WHERE p.parameter_id = NEW.parameter_id) = 'boolean'::pg_catalog.regtype
           AND NEW.value NOT IN ('true', 'false') THEN
            RAISE EXCEPTION 'parameter "%" is boolean: a forced level needs true or false, not "%"',
                    (SELECT p.code FROM segment.parameters p WHERE p.parameter_id = NEW.parameter_id), NEW.value
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'A parameter''s value is compared in its text form, which for a boolean is true or false.';
        END IF;
        RETURN NEW;
    END IF;
    SELECT * INTO q FROM segment.questions WHERE question_id = NEW.question_id;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key refuses it
    END IF;
    IF q.kind = 'number' THEN
        IF NEW.value !~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$' THEN
            RAISE EXCEPTION 'question "%" is a number question: a forced level needs a number, not "%"', q.code, NEW.value
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Give the answer value that forces the level, e.g. ''0''.';
        END IF;
        NEW.value := pg_catalog.trim_scale(NEW.value::numeric)::text;
        NEW.option_id := NULL;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.question_id = OLD.question_id AND NEW.value = OLD.value
       AND OLD.option_id IS NOT NULL THEN
        NEW.option_id := OLD.option_id; -- the option it names, whose code may have changed since
        RETURN NEW;
    END IF;
    NEW.option_id := (SELECT o.option_id FROM segment.options o
                      WHERE o.question_id = NEW.question_id AND o.code = NEW.value);
    IF NEW.option_id IS NULL THEN
        RAISE EXCEPTION 'option "%" does not exist for question "%"', NEW.value, q.code
            USING ERRCODE = 'undefined_object',
                  HINT = 'Known options: ' || COALESCE((
                      SELECT pg_catalog.string_agg(o.code, ', ' ORDER BY o.position, o.code)
                      FROM segment.options o WHERE o.question_id = NEW.question_id), 'none') || '.';
    END IF;
    RETURN NEW;
END
$fn$;

COMMENT ON FUNCTION segment._forced_level_written() IS
    'internal: checks a forced level''s value against its question and records the option it names';

-- Before a level is deleted: refuses, with the rule named, while a forced level still names it
-- (the foreign key's own message names ids only). Not while its scheme is being deleted: the
-- scheme's rules go with it.
CREATE FUNCTION segment._forced_level_kept() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    rule record;
BEGIN
    SELECT f.rule_id, f.value, sc.name AS scheme,
           COALESCE('question "' || q.code || '"', 'parameter "' || p.code || '"') AS item
    INTO rule
    FROM segment.forced_levels f
    JOIN segment.schemes sc ON sc.scheme_id = f.scheme_id
    LEFT JOIN segment.questions q ON q.question_id = f.question_id
    LEFT JOIN segment.parameters p ON p.parameter_id = f.parameter_id
    WHERE f.level_id = OLD.level_id AND f.scheme_id = OLD.scheme_id
    ORDER BY f.rule_id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'level "%" of scheme "%" is forced by a rule: % with value "%"',
                OLD.name, rule.scheme, rule.item, rule.value
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = CASE WHEN OLD.variant_id IS NOT NULL
                      THEN 'The level belongs to a variant; deleting the variant deletes its levels.'
                      ELSE 'A rule names the level it forces.' END,
                  HINT = pg_catalog.format('Delete the rule first (DELETE FROM segment.forced_levels WHERE rule_id = %s), or point it at another level.', rule.rule_id);
    END IF;
    RETURN OLD;
END
$fn$;

COMMENT ON FUNCTION segment._forced_level_kept() IS
    'internal: refuses to delete a level a forced level names, naming the rule';

COMMENT ON TABLE segment.groups IS
    'groups of a scheme''s inputs: the weighted contributions of a group''s members are summed and clamped to [min_points, max_points] (NULL: open) before they join the score';
COMMENT ON TABLE segment.forced_levels IS
    'forced levels: a client whose answer to the question is the option named by value (a number question: whose answer equals value) or whose parameter''s value equals value gets the level whatever its score (status forced); the first rule defined wins';
