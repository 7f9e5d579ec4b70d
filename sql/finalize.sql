-- Trigger bindings on the configuration tables, pinned search paths and documentation.

-- Any change of questions, options or levels re-segments every client of the scheme, in the
-- same transaction. Statement-level with transition tables: one recompute per statement.
CREATE TRIGGER questions_insert AFTER INSERT ON segment.questions
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER questions_update AFTER UPDATE ON segment.questions
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER questions_delete AFTER DELETE ON segment.questions
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER questions_truncate AFTER TRUNCATE ON segment.questions
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();

CREATE TRIGGER options_insert AFTER INSERT ON segment.options
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER options_update AFTER UPDATE ON segment.options
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER options_delete AFTER DELETE ON segment.options
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER options_truncate AFTER TRUNCATE ON segment.options
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();

CREATE TRIGGER levels_insert AFTER INSERT ON segment.levels
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER levels_update AFTER UPDATE ON segment.levels
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER levels_delete AFTER DELETE ON segment.levels
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER levels_truncate AFTER TRUNCATE ON segment.levels
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();

-- A scheme stays bound to the client table it was created over, and is bound (with plain SQL
-- too) only by a role holding REFERENCES and TRIGGER on it; a deleted scheme takes its
-- assignments and history with it.
CREATE TRIGGER schemes_insert AFTER INSERT ON segment.schemes
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER schemes_update AFTER UPDATE ON segment.schemes
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER schemes_delete AFTER DELETE ON segment.schemes
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER schemes_truncate AFTER TRUNCATE ON segment.schemes
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();

-- Every function of the extension runs with a fixed search_path, whatever the caller's. The
-- answers trigger sets it itself around the SQL it runs (src/triggers/answers.rs): its single-answer
-- path runs none, and a SET clause would cost every write a configuration change.
DO $pin$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
        WHERE p.pronamespace = 'segment'::regnamespace AND p.proname <> '_answers_changed'
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(p.proconfig) c WHERE c LIKE 'search_path=%')
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', fn);
    END LOOP;
END
$pin$;

COMMENT ON SCHEMA segment IS 'pg_segment: customer scoring and segmentation kept current by triggers';

COMMENT ON TABLE segment.entities IS
    'client tables that schemes are bound to, with the answers, assignments and history tables kept for each';
COMMENT ON TABLE segment.schemes IS
    'categorization dimensions: each scores the clients of one client table; version grows with every configuration change';
COMMENT ON TABLE segment.questions IS
    'questions of a scheme: code, prompt, display position and weight (0..1000000, at most 4 decimals)';
COMMENT ON TABLE segment.options IS
    'answer options of a question: code, label, display position and points (may be negative)';
COMMENT ON TABLE segment.levels IS
    'named segments of a scheme, each covering scores in [min_score, max_score); ranges of one scheme never overlap';

COMMENT ON FUNCTION segment.create_scheme(text, regclass, text) IS
    'creates a scheme over a client table with a single-column primary key; returns its id';
COMMENT ON FUNCTION segment.drop_scheme(text) IS
    'drops a scheme with its questions, options, levels, answers, assignments and history';
COMMENT ON FUNCTION segment.add_question(text, text, text, numeric, integer) IS
    'adds a question to a scheme (weight defaults to 1, position to the end); returns its id';
COMMENT ON FUNCTION segment.add_option(text, text, text, text, numeric, integer) IS
    'adds an answer option worth points to a question (position defaults to the end); returns its id';
COMMENT ON FUNCTION segment.add_level(text, text, numeric, numeric) IS
    'adds a named segment covering scores in [min_score, max_score); Infinity bounds leave an end open';
COMMENT ON FUNCTION segment.answer(text, anycompatible, text, text) IS
    'records or replaces a client''s answer to a question by codes; score and segment follow in the same statement';
COMMENT ON FUNCTION segment.remove_answer(text, anycompatible, text) IS
    'removes a client''s answer to a question; returns whether there was one';
COMMENT ON FUNCTION segment.score(text, anycompatible) IS
    'a client''s current score in a scheme; NULL while the client has no answer';
COMMENT ON FUNCTION segment.segment_of(text, anycompatible) IS
    'a client''s current segment in a scheme; NULL while uncategorized or when the score falls between levels';
COMMENT ON FUNCTION segment.explain(text, anycompatible) IS
    'one row per input (question): its code, kind, the client''s value, points, weight and contribution; contributions add up to the score';
COMMENT ON FUNCTION segment.history(text, anycompatible) IS
    'every change of a client''s score or segment in a scheme, oldest first, with cause and scheme version';
COMMENT ON FUNCTION segment.distribution(text) IS
    'assigned clients per segment with their share; clients between levels form the NULL-segment row';
COMMENT ON FUNCTION segment.questionnaire(text) IS
    'the scheme''s questions and options in display order, and its levels, as JSON for an app to render';
COMMENT ON FUNCTION segment.verify(text) IS
    'recomputes every client of a scheme from scratch and lists those whose stored assignment disagrees';
COMMENT ON FUNCTION segment._answers_changed() IS
    'internal: statement trigger on answers tables that recomputes the touched clients';
COMMENT ON FUNCTION segment._config_changed() IS
    'internal: statement trigger on configuration tables that re-segments the touched schemes';
COMMENT ON FUNCTION segment._client_removed() IS
    'internal: trigger on bound client tables that removes a deleted or truncated client''s assignments and history';
-- Called by the DDL event triggers (sql/ddl.sql) as the extension's owner only.
REVOKE ALL ON FUNCTION segment._retype_client_ids(integer, text),
    segment._follow_client_owner(integer) FROM PUBLIC;
COMMENT ON FUNCTION segment._follow_client_owner(integer) IS
    'internal: gives a bound table''s pg_segment tables to the client table''s new owner';
COMMENT ON FUNCTION segment._retype_client_ids(integer, text) IS
    'internal: gives a bound table''s pg_segment tables the client key''s type, as their owner';
COMMENT ON FUNCTION segment._pg_segment_ddl() IS
    'internal: whether the DDL running now is pg_segment''s own';
COMMENT ON FUNCTION segment._client_rekeyed() IS
    'internal: trigger on bound client tables that moves a client''s score and history to its new key';
