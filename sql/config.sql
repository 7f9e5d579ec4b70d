-- The extension owns schema segment, so DROP EXTENSION … CASCADE removes it with everything
-- pg_segment created, and plain DROP EXTENSION refuses while client data lives in it.
CREATE SCHEMA segment;
-- Functions generated from Rust are created unqualified: make them land in segment too.
SELECT pg_catalog.set_config('search_path', 'segment, pg_catalog', true);

-- Configuration tables of pg_segment. Every table and sequence here is registered with
-- pg_extension_config_dump so pg_dump keeps what administrators configure.

CREATE TABLE segment.entities (
    entity_id         serial PRIMARY KEY,
    client_table      regclass NOT NULL UNIQUE,
    key_column        name NOT NULL,
    key_type          regtype NOT NULL,
    answers_table     regclass NOT NULL UNIQUE,
    assignments_table regclass NOT NULL UNIQUE,
    history_table     regclass NOT NULL UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    -- the picks of multiple-choice questions (NULL only for a table bound before 0.2.0, until
    -- segment.repair_bound_tables() creates it)
    picks_table       regclass UNIQUE
);

CREATE TABLE segment.schemes (
    scheme_id   serial PRIMARY KEY,
    name        text NOT NULL UNIQUE CONSTRAINT schemes_name_not_blank CHECK (btrim(name) <> ''),
    entity_id   integer NOT NULL REFERENCES segment.entities ON DELETE RESTRICT,
    description text,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- set on a draft (sql/drafts.sql): the live scheme over the same table it copies, one per
    -- scheme; checked, and the draft deleted with its scheme, by the schemes trigger (a foreign
    -- key to its own table would make every pg_dump warn of a circular reference)
    draft_of    integer CONSTRAINT schemes_draft_of_key UNIQUE
);
CREATE INDEX schemes_entity_idx ON segment.schemes (entity_id);

CREATE TABLE segment.questions (
    question_id serial PRIMARY KEY,
    scheme_id   integer NOT NULL REFERENCES segment.schemes ON DELETE CASCADE,
    code        text NOT NULL CONSTRAINT questions_code_not_blank CHECK (btrim(code) <> ''),
    prompt      text NOT NULL,
    weight      numeric NOT NULL DEFAULT 1
                CONSTRAINT questions_weight_range
                CHECK (weight >= 0 AND weight <= 1000000 AND weight = round(weight, 4)),
    position    integer NOT NULL,
    -- 'single': one option chosen (a row of the answers table); 'multiple': any number of
    -- options chosen (rows of the picks table), their points added up; 'number': a value (in
    -- the answers table), mapped to points by question_ranges
    kind        text NOT NULL DEFAULT 'single'
                CONSTRAINT questions_kind_known CHECK (kind IN ('single', 'multiple', 'number')),
    CONSTRAINT questions_code_key UNIQUE (scheme_id, code),
    -- target of the answers' foreign key, so an answer always names a question of its scheme
    CONSTRAINT questions_id_scheme_key UNIQUE (question_id, scheme_id)
);

CREATE TABLE segment.options (
    option_id   serial PRIMARY KEY,
    question_id integer NOT NULL REFERENCES segment.questions ON DELETE CASCADE,
    code        text NOT NULL CONSTRAINT options_code_not_blank CHECK (btrim(code) <> ''),
    label       text NOT NULL,
    points      numeric NOT NULL
                CONSTRAINT options_points_range
                CHECK (abs(points) < 1000000000 AND points = round(points, 4)),
    position    integer NOT NULL,
    CONSTRAINT options_code_key UNIQUE (question_id, code),
    -- target of the answers' foreign key: an answer's option must belong to its question
    CONSTRAINT options_id_question_key UNIQUE (option_id, question_id)
);

CREATE TABLE segment.levels (
    level_id  serial PRIMARY KEY,
    scheme_id integer NOT NULL REFERENCES segment.schemes ON DELETE CASCADE,
    name      text NOT NULL CONSTRAINT levels_name_not_blank CHECK (btrim(name) <> ''),
    min_score numeric NOT NULL,
    max_score numeric NOT NULL,
    -- the variant whose level it is (NULL: the scheme's; sql/variants.sql adds the foreign key)
    variant_id integer,
    -- names are unique per scheme and variant: a kiosk's "A" and a supermarket's "A" differ
    CONSTRAINT levels_name_key UNIQUE NULLS NOT DISTINCT (scheme_id, variant_id, name),
    CONSTRAINT levels_range_order CHECK (min_score < max_score),
    CONSTRAINT levels_bounds_finite_or_infinite CHECK (
        (min_score = '-Infinity' OR (abs(min_score) < 1e15 AND min_score = round(min_score, 4)))
        AND (max_score = 'Infinity' OR (abs(max_score) < 1e15 AND max_score = round(max_score, 4)))
    )
);
CREATE INDEX levels_scheme_min_idx ON segment.levels (scheme_id, min_score);

-- A number question's answer in [min_value, max_value) is worth points; ranges of one question
-- never overlap (checked when written, 23P01). An answer in no range gives no points.
CREATE TABLE segment.question_ranges (
    range_id    serial PRIMARY KEY,
    question_id integer NOT NULL REFERENCES segment.questions ON DELETE CASCADE,
    min_value   numeric NOT NULL,
    max_value   numeric NOT NULL,
    points      numeric NOT NULL
                CONSTRAINT question_ranges_points_range
                CHECK (abs(points) < 1000000000 AND points = round(points, 4)),
    CONSTRAINT question_ranges_order CHECK (min_value < max_value),
    CONSTRAINT question_ranges_bounds_finite_or_infinite CHECK (
        (min_value = '-Infinity' OR abs(min_value) < 1e15)
        AND (max_value = 'Infinity' OR abs(max_value) < 1e15)
    )
);
CREATE INDEX question_ranges_question_idx ON segment.question_ranges (question_id, min_value);

SELECT pg_catalog.pg_extension_config_dump('segment.entities', '');
SELECT pg_catalog.pg_extension_config_dump('segment.entities_entity_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.schemes', '');
SELECT pg_catalog.pg_extension_config_dump('segment.schemes_scheme_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.questions', '');
SELECT pg_catalog.pg_extension_config_dump('segment.questions_question_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.options', '');
SELECT pg_catalog.pg_extension_config_dump('segment.options_option_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.levels', '');
SELECT pg_catalog.pg_extension_config_dump('segment.levels_level_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.question_ranges', '');
SELECT pg_catalog.pg_extension_config_dump('segment.question_ranges_range_id_seq', '');

-- Parameters: inputs of a scheme computed from data, mapped to points by ranges or exact
-- values. Without a source, expression is an SQL expression over the columns of the scheme's
-- client table; with one, an aggregate over the rows of source whose client_column equals the
-- client's key. expression is stored as pg_segment re-printed it after checking it (names
-- outside pg_catalog qualified), value_type is what it returns, columns the columns it reads
-- (of the client table: the UPDATE OF list of the trigger that re-scores a client when one of
-- them changes; of the source: what its triggers watch), definer the role whose rights it is
-- evaluated with. Those four are written by the parameters' BEFORE trigger, never taken from
-- the caller (sql/parameters.sql).
CREATE TABLE segment.parameters (
    parameter_id serial PRIMARY KEY,
    scheme_id    integer NOT NULL REFERENCES segment.schemes ON DELETE CASCADE,
    code         text NOT NULL CONSTRAINT parameters_code_not_blank CHECK (btrim(code) <> ''),
    label        text NOT NULL,
    expression   text NOT NULL,
    value_type   regtype NOT NULL,
    columns      name[] NOT NULL,
    weight       numeric NOT NULL DEFAULT 1
                 CONSTRAINT parameters_weight_range
                 CHECK (weight >= 0 AND weight <= 1000000 AND weight = round(weight, 4)),
    position     integer NOT NULL,
    required     boolean NOT NULL DEFAULT false,
    definer      regrole NOT NULL,
    source       regclass,
    client_column name,
    CONSTRAINT parameters_code_key UNIQUE (scheme_id, code),
    CONSTRAINT parameters_source_with_column CHECK ((source IS NULL) = (client_column IS NULL))
);
CREATE INDEX parameters_source_idx ON segment.parameters (source) WHERE source IS NOT NULL;

-- A numeric parameter's value in [min_value, max_value) is worth points; ranges of one
-- parameter never overlap (checked when written, 23P01).
CREATE TABLE segment.parameter_ranges (
    range_id     serial PRIMARY KEY,
    parameter_id integer NOT NULL REFERENCES segment.parameters ON DELETE CASCADE,
    min_value    numeric NOT NULL,
    max_value    numeric NOT NULL,
    points       numeric NOT NULL
                 CONSTRAINT parameter_ranges_points_range
                 CHECK (abs(points) < 1000000000 AND points = round(points, 4)),
    CONSTRAINT parameter_ranges_order CHECK (min_value < max_value),
    CONSTRAINT parameter_ranges_bounds_finite_or_infinite CHECK (
        (min_value = '-Infinity' OR abs(min_value) < 1e15)
        AND (max_value = 'Infinity' OR abs(max_value) < 1e15)
    )
);
CREATE INDEX parameter_ranges_parameter_idx ON segment.parameter_ranges (parameter_id, min_value);

-- A parameter whose value, in text form, equals value is worth points (booleans are 'true'
-- and 'false'). A match wins over a range holding the same value.
CREATE TABLE segment.parameter_matches (
    match_id     serial PRIMARY KEY,
    parameter_id integer NOT NULL REFERENCES segment.parameters ON DELETE CASCADE,
    value        text NOT NULL,
    points       numeric NOT NULL
                 CONSTRAINT parameter_matches_points_range
                 CHECK (abs(points) < 1000000000 AND points = round(points, 4)),
    CONSTRAINT parameter_matches_value_key UNIQUE (parameter_id, value)
);

SELECT pg_catalog.pg_extension_config_dump('segment.parameters', '');
SELECT pg_catalog.pg_extension_config_dump('segment.parameters_parameter_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.parameter_ranges', '');
SELECT pg_catalog.pg_extension_config_dump('segment.parameter_ranges_range_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('segment.parameter_matches', '');
SELECT pg_catalog.pg_extension_config_dump('segment.parameter_matches_match_id_seq', '');
