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

-- Ranges of number questions re-segment their scheme like options; a question's kind is fixed,
-- and the rows that do not fit it are refused before they are written
-- (sql/number_questions.sql).
CREATE TRIGGER question_ranges_insert AFTER INSERT ON segment.question_ranges
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER question_ranges_update AFTER UPDATE ON segment.question_ranges
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER question_ranges_delete AFTER DELETE ON segment.question_ranges
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER question_ranges_truncate AFTER TRUNCATE ON segment.question_ranges
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER question_ranges_checked BEFORE INSERT OR UPDATE ON segment.question_ranges
    FOR EACH ROW EXECUTE FUNCTION segment._question_range_written();
-- (named to fire before the re-segmentation)
CREATE TRIGGER question_ranges_0_disjoint_insert AFTER INSERT ON segment.question_ranges
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._ranges_disjoint();
CREATE TRIGGER question_ranges_0_disjoint_update AFTER UPDATE ON segment.question_ranges
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._ranges_disjoint();
CREATE TRIGGER options_checked BEFORE INSERT OR UPDATE ON segment.options
    FOR EACH ROW EXECUTE FUNCTION segment._option_written();
CREATE TRIGGER questions_kind_fixed BEFORE UPDATE OF kind ON segment.questions
    FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION segment._question_kind_changed();

-- Parameters, their ranges and matches re-segment their scheme like any configuration, and
-- are checked before they are written (sql/parameters.sql).
CREATE TRIGGER parameters_checked BEFORE INSERT OR UPDATE ON segment.parameters
    FOR EACH ROW EXECUTE FUNCTION segment._parameter_written();
CREATE TRIGGER parameters_value_type_changed AFTER UPDATE ON segment.parameters
    FOR EACH ROW WHEN (OLD.value_type IS DISTINCT FROM NEW.value_type)
    EXECUTE FUNCTION segment._parameter_type_changed();
CREATE TRIGGER parameter_ranges_checked BEFORE INSERT OR UPDATE ON segment.parameter_ranges
    FOR EACH ROW EXECUTE FUNCTION segment._parameter_range_written();
-- (named to fire before the re-segmentation)
CREATE TRIGGER parameter_ranges_0_disjoint_insert AFTER INSERT ON segment.parameter_ranges
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._ranges_disjoint();
CREATE TRIGGER parameter_ranges_0_disjoint_update AFTER UPDATE ON segment.parameter_ranges
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._ranges_disjoint();
-- (named to fire before the checks: a role that may not read the values learns nothing else)
CREATE TRIGGER parameter_ranges_authorized BEFORE INSERT OR UPDATE OR DELETE
    ON segment.parameter_ranges
    FOR EACH ROW EXECUTE FUNCTION segment._parameter_points_authorized();
CREATE TRIGGER parameter_matches_authorized BEFORE INSERT OR UPDATE OR DELETE
    ON segment.parameter_matches
    FOR EACH ROW EXECUTE FUNCTION segment._parameter_points_authorized();
CREATE TRIGGER parameter_matches_value_checked BEFORE INSERT OR UPDATE ON segment.parameter_matches
    FOR EACH ROW EXECUTE FUNCTION segment._parameter_value_written();
CREATE TRIGGER parameter_ranges_truncate_authorized BEFORE TRUNCATE ON segment.parameter_ranges
    FOR EACH STATEMENT EXECUTE FUNCTION segment._parameter_points_authorized();
CREATE TRIGGER parameter_matches_truncate_authorized BEFORE TRUNCATE ON segment.parameter_matches
    FOR EACH STATEMENT EXECUTE FUNCTION segment._parameter_points_authorized();
-- (named to fire before the re-segmentation: replacing a trigger locks the client table in
-- ACCESS EXCLUSIVE mode, which must come before, not after, the re-segmentation's lock)
CREATE TRIGGER parameters_0_sync_triggers AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON segment.parameters
    FOR EACH STATEMENT EXECUTE FUNCTION segment._parameters_changed();
CREATE TRIGGER parameters_insert AFTER INSERT ON segment.parameters
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameters_update AFTER UPDATE ON segment.parameters
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameters_delete AFTER DELETE ON segment.parameters
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameters_truncate AFTER TRUNCATE ON segment.parameters
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameter_ranges_insert AFTER INSERT ON segment.parameter_ranges
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameter_ranges_update AFTER UPDATE ON segment.parameter_ranges
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameter_ranges_delete AFTER DELETE ON segment.parameter_ranges
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameter_ranges_truncate AFTER TRUNCATE ON segment.parameter_ranges
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameter_matches_insert AFTER INSERT ON segment.parameter_matches
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameter_matches_update AFTER UPDATE ON segment.parameter_matches
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameter_matches_delete AFTER DELETE ON segment.parameter_matches
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER parameter_matches_truncate AFTER TRUNCATE ON segment.parameter_matches
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();

-- Groups and forced levels re-segment their scheme like any configuration (sql/rules.sql). A
-- forced level's value is checked against its item before it is written, and one on a
-- parameter is written only by a role that may read the parameter's value (as its points).
CREATE TRIGGER forced_levels_authorized BEFORE INSERT OR UPDATE OR DELETE ON segment.forced_levels
    FOR EACH ROW EXECUTE FUNCTION segment._parameter_points_authorized();
CREATE TRIGGER forced_levels_checked BEFORE INSERT OR UPDATE ON segment.forced_levels
    FOR EACH ROW EXECUTE FUNCTION segment._forced_level_written();
CREATE TRIGGER forced_levels_value_checked BEFORE INSERT OR UPDATE ON segment.forced_levels
    FOR EACH ROW EXECUTE FUNCTION segment._parameter_value_written();
CREATE TRIGGER levels_forced_kept BEFORE DELETE ON segment.levels
    FOR EACH ROW EXECUTE FUNCTION segment._forced_level_kept();
CREATE TRIGGER groups_insert AFTER INSERT ON segment.groups
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER groups_update AFTER UPDATE ON segment.groups
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER groups_delete AFTER DELETE ON segment.groups
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER groups_truncate AFTER TRUNCATE ON segment.groups
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER forced_levels_insert AFTER INSERT ON segment.forced_levels
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER forced_levels_update AFTER UPDATE ON segment.forced_levels
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER forced_levels_delete AFTER DELETE ON segment.forced_levels
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER forced_levels_truncate AFTER TRUNCATE ON segment.forced_levels
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();

-- Variants re-segment their scheme like any configuration (sql/variants.sql). A variant column
-- is checked before it is written, and the client table's triggers follow it (a client whose
-- column changes is re-scored); one value never selects two variants of a scheme.
CREATE TRIGGER variant_columns_checked BEFORE INSERT OR UPDATE ON segment.variant_columns
    FOR EACH ROW EXECUTE FUNCTION segment._variant_column_written();
-- (named to fire before the re-segmentation, as the parameters' own)
CREATE TRIGGER variant_columns_0_sync_triggers AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON segment.variant_columns
    FOR EACH STATEMENT EXECUTE FUNCTION segment._parameters_changed();
CREATE TRIGGER variants_0_disjoint_insert AFTER INSERT ON segment.variants
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._variant_values_disjoint();
CREATE TRIGGER variants_0_disjoint_update AFTER UPDATE ON segment.variants
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._variant_values_disjoint();
CREATE TRIGGER variant_columns_insert AFTER INSERT ON segment.variant_columns
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variant_columns_update AFTER UPDATE ON segment.variant_columns
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variant_columns_delete AFTER DELETE ON segment.variant_columns
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variant_columns_truncate AFTER TRUNCATE ON segment.variant_columns
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variants_insert AFTER INSERT ON segment.variants
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variants_update AFTER UPDATE ON segment.variants
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variants_delete AFTER DELETE ON segment.variants
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variants_truncate AFTER TRUNCATE ON segment.variants
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variant_items_insert AFTER INSERT ON segment.variant_items
    REFERENCING NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variant_items_update AFTER UPDATE ON segment.variant_items
    REFERENCING OLD TABLE AS segment_old_rows NEW TABLE AS segment_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variant_items_delete AFTER DELETE ON segment.variant_items
    REFERENCING OLD TABLE AS segment_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER variant_items_truncate AFTER TRUNCATE ON segment.variant_items
    FOR EACH STATEMENT EXECUTE FUNCTION segment._config_changed();
CREATE TRIGGER notifications_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON segment.notifications
    FOR EACH STATEMENT EXECUTE FUNCTION segment._notifications_changed();

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

-- The public signature of add_parameter (a regclass and a name among its arguments), over
-- the function that does the work (src/api/parameters.rs).
CREATE FUNCTION segment.add_parameter(
    scheme text, code text, label text, expression text, weight numeric DEFAULT 1,
    source regclass DEFAULT NULL, client_column name DEFAULT NULL,
    required boolean DEFAULT false, "position" integer DEFAULT NULL
) RETURNS integer
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
RETURN segment._add_parameter(scheme, code, label, expression, weight, source,
                              CAST(client_column AS text), required, "position");

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
    'questions of a scheme: code, prompt, display position, weight (0..1000000, at most 4 decimals) and kind (single: one option chosen; multiple: any number of options chosen, their points added up; number: a value mapped to points by question_ranges)';
COMMENT ON TABLE segment.options IS
    'answer options of a question: code, label, display position and points (may be negative)';
COMMENT ON TABLE segment.levels IS
    'named segments of a scheme, each covering scores in [min_score, max_score); ranges of one scheme never overlap';

COMMENT ON TABLE segment.question_ranges IS
    'points of a number question''s answers in [min_value, max_value); ranges of one question never overlap; an answer in no range gives no points';
COMMENT ON TABLE segment.parameters IS
    'parameters of a scheme: a value computed from the client''s row (expression, as re-printed when checked), its weight, display position, whether it is required, and the role it is evaluated as';
COMMENT ON TABLE segment.parameter_ranges IS
    'points of a numeric parameter''s values in [min_value, max_value); ranges of one parameter never overlap';
COMMENT ON TABLE segment.parameter_matches IS
    'points of a parameter''s value equal (in text form) to value; a match wins over a range';

COMMENT ON FUNCTION segment.create_scheme(text, regclass, text) IS
    'creates a scheme over a client table with a single-column primary key; returns its id';
COMMENT ON FUNCTION segment.drop_scheme(text) IS
    'drops a scheme with its questions, options, levels, answers, assignments and history';
COMMENT ON FUNCTION segment.add_question(text, text, text, numeric, integer, text) IS
    'adds a question to a scheme (weight defaults to 1, position to the end) of kind single (one option chosen) or number (a value mapped to points by segment.add_range); returns its id';
COMMENT ON FUNCTION segment.add_option(text, text, text, text, numeric, integer) IS
    'adds an answer option worth points to a question (position defaults to the end); returns its id';
COMMENT ON FUNCTION segment.add_level(text, text, numeric, numeric, text) IS
    'adds a named segment covering scores in [min_score, max_score) to a scheme, or to one of its variants; Infinity bounds leave an end open';
COMMENT ON FUNCTION segment.add_parameter(text, text, text, text, numeric, regclass, name, boolean, integer) IS
    'adds a parameter: an expression over the client table''s columns, or an aggregate over a related table''s rows of the client, evaluated with the caller''s rights, weighted like a question; returns its id';
COMMENT ON FUNCTION segment._add_parameter(text, text, text, text, numeric, regclass, text, boolean, integer) IS
    'internal: adds a parameter (segment.add_parameter passes its arguments on)';
REVOKE ALL ON FUNCTION segment._comparison_unlike_grouping(regclass, text, regclass, text) FROM PUBLIC;
COMMENT ON FUNCTION segment._comparison_unlike_grouping(regclass, text, regclass, text) IS
    'internal: the type a source''s client column is compared with the client key as, when that equality is not the column''s own';
COMMENT ON FUNCTION segment._checked_expression(regclass, text, oid, regclass, text) IS
    'internal: checks a parameter expression over a client table or a related table and tries it as its definer';
COMMENT ON FUNCTION segment.refresh(text) IS
    're-evaluates every parameter of every client of a scheme (values that change with time) and returns how many assignments changed';
COMMENT ON FUNCTION segment._related_rows_changed() IS
    'internal: trigger on related tables that re-scores the clients whose related rows a statement touched';
COMMENT ON FUNCTION segment.answer_number(text, anycompatible, text, numeric) IS
    'records (or replaces) a client''s answer to a number question and updates its score and segment in the same statement';
COMMENT ON FUNCTION segment.add_range(text, text, numeric, numeric, numeric) IS
    'maps a numeric parameter''s values (or a number question''s answers) in [min_value, max_value) to points; ranges of one parameter or question never overlap';
COMMENT ON FUNCTION segment.add_match(text, text, text, numeric) IS
    'maps a parameter value equal (in text form) to value to points';
COMMENT ON FUNCTION segment.drop_parameter(text, text) IS
    'drops a parameter with its ranges and matches; the scheme is re-segmented';
COMMENT ON FUNCTION segment._client_parameters_changed() IS
    'internal: trigger on client tables that re-scores inserted clients and clients whose parameter columns changed';
COMMENT ON FUNCTION segment.answer(text, anycompatible, text, text) IS
    'records or replaces a client''s answer to a question by codes; score and segment follow in the same statement';
COMMENT ON FUNCTION segment.answer(text, anycompatible, text, text[]) IS
    'records the options a client picked for a multiple-choice question, replacing those picked before (an empty array removes them); score and segment follow in the same statement';
COMMENT ON FUNCTION segment.remove_answer(text, anycompatible, text) IS
    'removes a client''s answer to a question; returns whether there was one';
COMMENT ON FUNCTION segment.score(text, anycompatible) IS
    'a client''s current score in a scheme; NULL while the client has no answer and no parameter value';
COMMENT ON FUNCTION segment.segment_of(text, anycompatible) IS
    'a client''s current segment in a scheme; NULL while uncategorized, missing a required parameter, or when the score falls between levels';
COMMENT ON FUNCTION segment.explain(text, anycompatible) IS
    'one row per input (question or parameter) and per clamped group (kind cap): its code, kind, the client''s value, points, weight, contribution and a note (a missing or required input, a forced level, a clamp); contributions add up to the score';
COMMENT ON FUNCTION segment.history(text, anycompatible) IS
    'every change of a client''s score or segment in a scheme, oldest first, with cause and scheme version';
COMMENT ON FUNCTION segment.distribution(text) IS
    'assigned clients per segment and status with their share; clients between levels (unsegmented) and clients missing a required parameter (incomplete) form the NULL-segment rows';
COMMENT ON FUNCTION segment.questionnaire(text, text) IS
    'the scheme''s questions and options in display order, and its levels, as JSON for an app to render; of one variant (its questions and its clients'' levels) when one is named';
COMMENT ON FUNCTION segment.suggest_levels(text, integer, text) IS
    'level boundaries suggested by the scheme''s current scores: at most k [min_score, max_score) ranges of consecutive scores with their clients, by quantiles (equal numbers of clients) or kmeans (optimal one-dimensional k-means)';
COMMENT ON FUNCTION segment.add_group(text, text, numeric, numeric) IS
    'adds a group to a scheme: the weighted contributions of its members are summed and clamped to [min_points, max_points] (NULL: open) before they join the score; returns its id';
COMMENT ON FUNCTION segment.set_group(text, text, text) IS
    'puts a question or parameter of a scheme into a group (NULL: into none)';
COMMENT ON FUNCTION segment.set_required(text, text, boolean) IS
    'makes a question or parameter required (or not): while a client lacks it, its status is incomplete and its segment NULL';
COMMENT ON FUNCTION segment.force_level(text, text, text, text) IS
    'forces a level: a client whose answer to the question is the option (a number question: the value), or whose parameter has the value, gets the level whatever its score (status forced); the rule defined first wins; returns its id';
COMMENT ON FUNCTION segment.set_variant_column(text, text) IS
    'splits a scheme into variants by a column of its client table (NULL: by none); a client''s variant is the one whose values hold the column''s value in text form';
COMMENT ON FUNCTION segment.add_variant(text, text, text, text[]) IS
    'adds a variant (subtype) of a scheme: the clients whose variant column holds one of column_values; returns its id';
COMMENT ON FUNCTION segment.attach(text, text, text) IS
    'attaches a question or parameter to a variant: it counts only for the clients of the variants it is attached to (one attached to none counts for every client)';
COMMENT ON FUNCTION segment.check_scheme(text, jsonb) IS
    'golden-set tests of a scheme: each case''s answers and parameter values scored by the engine without writing, its segment against the expected one';
COMMENT ON FUNCTION segment.questionnaire_for(text, anycompatible) IS
    'the scheme''s questionnaire filled in for one client: each question with the client''s current answer, and the client''s score, segment and status';
COMMENT ON FUNCTION segment.score_at(text, anycompatible, timestamp with time zone) IS
    'a client''s score at a past moment, from the history: what its last row written at or before then recorded; NULL when not categorized then';
COMMENT ON FUNCTION segment.segment_at(text, anycompatible, timestamp with time zone) IS
    'a client''s segment at a past moment, from the history; NULL when not categorized then or without a segment';
COMMENT ON FUNCTION segment.distribution_at(text, timestamp with time zone) IS
    'segment.distribution as the history shows it at a past moment (status scored for a segment, NULL for the NULL-segment row)';
COMMENT ON FUNCTION segment.transitions(text, timestamp with time zone, timestamp with time zone) IS
    'how many clients moved from each segment to each other between two moments, from the history (unchanged pairs included; NULL: not categorized or no segment)';
COMMENT ON FUNCTION segment.verify(text) IS
    'recomputes every client of a scheme from scratch (answers and parameters) and lists those whose stored assignment disagrees on score, segment, answered count or status';
COMMENT ON FUNCTION segment.preview(text) IS
    'every client whose score or segment a draft would change if published now (current and draft score and segment), computed set-based over the whole scheme without writing';
COMMENT ON FUNCTION segment.preview_transitions(text) IS
    'how many clients would move from each current segment to each draft segment if a draft were published now, unchanged clients included (NULL: not categorized)';
COMMENT ON FUNCTION segment._publish_document(text, text) IS
    'internal: makes a scheme document the live configuration of a scheme and re-segments it once (history cause publish); returns how many clients changed segment';
COMMENT ON FUNCTION segment._answers_changed() IS
    'internal: statement trigger on answers tables that recomputes the touched clients';
COMMENT ON FUNCTION segment._picks_changing() IS
    'internal: statement trigger on picks tables that locks the answers table as its writers do';
COMMENT ON FUNCTION segment._config_changed() IS
    'internal: statement trigger on configuration tables that re-segments the touched schemes';
COMMENT ON FUNCTION segment._notifications_changed() IS
    'internal: statement trigger on segment.notifications that gives history tables their notify trigger or takes it';
COMMENT ON FUNCTION segment._client_removed() IS
    'internal: trigger on bound client tables that removes a deleted or truncated client''s assignments and history';
-- Called by the DDL event triggers (sql/ddl.sql) as the extension's owner only.
REVOKE ALL ON FUNCTION segment._retype_client_ids(integer, text),
    segment._follow_client_owner(integer),
    segment._expression_type(regclass, text, regclass, text) FROM PUBLIC;
COMMENT ON FUNCTION segment._expression_type(regclass, text, regclass, text) IS
    'internal: the type a stored parameter expression gives over its table as it is now (analysed, not run)';
COMMENT ON FUNCTION segment._follow_client_owner(integer) IS
    'internal: gives a bound table''s pg_segment tables to the client table''s new owner';
COMMENT ON FUNCTION segment._retype_client_ids(integer, text) IS
    'internal: gives a bound table''s pg_segment tables the client key''s type, as their owner';
COMMENT ON FUNCTION segment._pg_segment_ddl() IS
    'internal: whether the DDL running now is pg_segment''s own';
COMMENT ON FUNCTION segment._client_rekeyed() IS
    'internal: trigger on bound client tables that moves a client''s score and history to its new key';
