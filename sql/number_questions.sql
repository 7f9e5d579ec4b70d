-- Number questions: their answers carry a value, which ranges map to points. What the
-- configuration tables accept for them.

-- Before a range of a question is written: only a number question has ranges (22023). The
-- question's row is locked, so two writers of ranges of one question check their overlaps
-- (segment._ranges_disjoint) one after the other.
CREATE FUNCTION segment._question_range_written() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    q segment.questions;
BEGIN
    SELECT * INTO q FROM segment.questions WHERE question_id = NEW.question_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN NEW; -- the foreign key refuses it
    END IF;
    IF q.kind <> 'number' THEN
        RAISE EXCEPTION 'question "%" is a % question: its answers are options, not numbers in ranges', q.code, q.kind
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give it options with segment.add_option(), or add a question of kind ''number''.';
    END IF;
    RETURN NEW;
END
$fn$;

COMMENT ON FUNCTION segment._question_range_written() IS
    'internal: refuses ranges of a question that is not a number question';


-- Before an option is written: a number question has ranges, not options (22023).
CREATE FUNCTION segment._option_written() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    q segment.questions;
BEGIN
    SELECT * INTO q FROM segment.questions WHERE question_id = NEW.question_id;
    IF FOUND AND q.kind = 'number' THEN
        RAISE EXCEPTION 'question "%" is a number question: it has ranges, not options', q.code
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Map its answers to points with segment.add_range().';
    END IF;
    RETURN NEW;
END
$fn$;

COMMENT ON FUNCTION segment._option_written() IS
    'internal: refuses options of a number question';

-- Before a question's kind is changed: refused (0A000). Its answers are of the old kind (options
-- or values), and its options or ranges too.
CREATE FUNCTION segment._question_kind_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE EXCEPTION 'the kind of question "%" cannot change from % to %', OLD.code, OLD.kind, NEW.kind
        USING ERRCODE = 'feature_not_supported',
              HINT = 'Its answers and points are of its kind: drop the question and add a new one of the other kind.';
END
$fn$;

COMMENT ON FUNCTION segment._question_kind_changed() IS
    'internal: refuses a change of a question''s kind';
