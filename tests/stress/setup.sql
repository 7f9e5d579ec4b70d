-- Stress-test database: three client tables with different key types, four schemes (two over
-- the bigint table, one of them with rules (a clamped group, a required question, a forced
-- level), one over the text table, one over the varchar(12) table mixing a question
-- with parameters over the client row and over an orders table), pre-loaded answers and
-- orders, and one view per check.
-- Codes are regular (questions q1..qN, options o1..oM) so the pgbench scripts can pick them
-- with random numbers.
CREATE EXTENSION pg_segment;
CREATE SCHEMA st;

-- (kind selects the variant of scheme risk: shop or depot; NULL, none)
CREATE TABLE st.companies (id bigint PRIMARY KEY, name text NOT NULL, kind text);
CREATE TABLE st.accounts (id text PRIMARY KEY, name text NOT NULL);
INSERT INTO st.companies
SELECT g, 'company ' || g, CASE WHEN g % 7 <> 0 THEN (ARRAY['shop', 'depot'])[1 + g % 2] END
FROM generate_series(1, 200) g;
INSERT INTO st.accounts SELECT 'acc-' || g, 'account ' || g FROM generate_series(1, 200) g;

-- size (st.companies): 4 questions x 3 options, levels small / medium / large.
SELECT segment.create_scheme('size', 'st.companies');
SELECT segment.add_question('size', 'q' || q, 'Size ' || q, w)
FROM unnest(ARRAY[1, 2, 3, 4], ARRAY[1, 2, 0.5, 1.5]) AS t(q, w);
SELECT segment.add_option('size', 'q' || q, 'o' || o, 'Option ' || o, (o - 1) * 4 - 3 + q)
FROM generate_series(1, 4) q, generate_series(1, 3) o;
SELECT segment.add_level('size', 'small', '-Infinity', 6);
SELECT segment.add_level('size', 'medium', 6, 20);
SELECT segment.add_level('size', 'large', 20, 'Infinity');

-- risk (st.companies): 3 questions x 2 options, negative points, levels low / mid / high.
SELECT segment.create_scheme('risk', 'st.companies');
SELECT segment.add_question('risk', 'q' || q, 'Risk ' || q, w)
FROM unnest(ARRAY[1, 2, 3], ARRAY[2, 1, 3]) AS t(q, w);
SELECT segment.add_option('risk', 'q' || q, 'o' || o, 'Option ' || o, CASE o WHEN 1 THEN -3 - q ELSE 2 + q END)
FROM generate_series(1, 3) q, generate_series(1, 2) o;
SELECT segment.add_level('risk', 'low', '-Infinity', 0);
SELECT segment.add_level('risk', 'mid', 0, 6);
SELECT segment.add_level('risk', 'high', 6, 'Infinity');
-- and ruled: q1 and q2 in a group clamped to [-4, 5], q3 required, option o2 of q2 forces high
SELECT segment.add_group('risk', 'r12', -4, 5);
SELECT segment.set_group('risk', 'q1', 'r12'), segment.set_group('risk', 'q2', 'r12');
SELECT segment.set_required('risk', 'q3');
SELECT segment.force_level('risk', 'q2', 'o2', 'high');
-- and split by kind: q3 (the required one) is a depot's question, and depots have levels of
-- their own; a company of no kind has no segment
SELECT segment.add_variant('risk', 'shop', 'Shop', ARRAY['shop']);
SELECT segment.add_variant('risk', 'depot', 'Depot', ARRAY['depot']);
SELECT segment.attach('risk', 'depot', 'q3');
SELECT segment.add_level('risk', 'quiet', '-Infinity', 2, 'depot');
SELECT segment.add_level('risk', 'busy', 2, 'Infinity', 'depot');
SELECT segment.set_variant_column('risk', 'kind');

-- loyalty (st.accounts, text keys): 4 questions x 3 options, levels bronze / silver / gold.
SELECT segment.create_scheme('loyalty', 'st.accounts');
SELECT segment.add_question('loyalty', 'q' || q, 'Loyalty ' || q, w)
FROM unnest(ARRAY[1, 2, 3, 4], ARRAY[1, 1.5, 2, 0.25]) AS t(q, w);
SELECT segment.add_option('loyalty', 'q' || q, 'o' || o, 'Option ' || o, (o - 2) * (q + 1))
FROM generate_series(1, 4) q, generate_series(1, 3) o;
SELECT segment.add_level('loyalty', 'bronze', '-Infinity', 4);
SELECT segment.add_level('loyalty', 'silver', 4, 10);
SELECT segment.add_level('loyalty', 'gold', 10, 'Infinity');

-- value (st.customers, varchar(12) keys): a question, a client-row parameter (employees by
-- ranges) and two parameters over st.orders, which references the customer without a foreign
-- key: revenue (required) and the number of orders. 1,200 customers, so a statement on every
-- customer's orders takes the bulk path (over 1,000 clients). Levels cold / warm / hot.
CREATE TABLE st.customers (id varchar(12) PRIMARY KEY, employees integer, note text);
CREATE TABLE st.orders (customer varchar(12) NOT NULL, amount numeric(10, 2) NOT NULL);
CREATE INDEX ON st.orders (customer);
INSERT INTO st.customers SELECT 'c-' || g, g % 300, 'n' FROM generate_series(1, 1200) g;
INSERT INTO st.orders SELECT 'c-' || (1 + g % 1100), g % 700 FROM generate_series(1, 3000) g;
SELECT segment.create_scheme('value', 'st.customers');
SELECT segment.add_question('value', 'q1', 'Potential', 1);
SELECT segment.add_option('value', 'q1', 'o' || o, 'Option ' || o, o * 2 - 3) FROM generate_series(1, 3) o;
SELECT segment.add_parameter('value', 'employees', 'Employees', 'employees', 1.5);
SELECT segment.add_range('value', 'employees', '-Infinity', 50, 0),
       segment.add_range('value', 'employees', 50, 200, 2),
       segment.add_range('value', 'employees', 200, 'Infinity', 4);
SELECT segment.add_parameter('value', 'revenue', 'Revenue', 'sum(amount)',
                             source => 'st.orders', client_column => 'customer', required => true);
SELECT segment.add_range('value', 'revenue', 0, 1000, 1),
       segment.add_range('value', 'revenue', 1000, 'Infinity', 3);
SELECT segment.add_parameter('value', 'orders', 'Orders', 'count(*)',
                             source => 'st.orders', client_column => 'customer');
SELECT segment.add_range('value', 'orders', 0, 1, -1),
       segment.add_range('value', 'orders', 1, 3, 1),
       segment.add_range('value', 'orders', 3, 'Infinity', 2);
SELECT segment.add_level('value', 'cold', '-Infinity', 4);
SELECT segment.add_level('value', 'warm', 4, 9);
SELECT segment.add_level('value', 'hot', 9, 'Infinity');

-- kinds (st.accounts, text keys): a multiple-choice question (its picks in the picks table)
-- and a number question (values in the answers table, ranges give the points). Levels low /
-- high.
SELECT segment.create_scheme('kinds', 'st.accounts');
SELECT segment.add_question('kinds', 'channels', 'Sales channels', 1, kind => 'multiple');
SELECT segment.add_option('kinds', 'channels', 'c' || o, 'Channel ' || o, o * 2 - 3)
FROM generate_series(1, 4) o;
SELECT segment.add_question('kinds', 'visits', 'Visits per month', 1.5, kind => 'number');
SELECT segment.add_range('kinds', 'visits', '-Infinity', 2, 0),
       segment.add_range('kinds', 'visits', 2, 6, 2),
       segment.add_range('kinds', 'visits', 6, 'Infinity', 5);
SELECT segment.add_level('kinds', 'low', '-Infinity', 3);
SELECT segment.add_level('kinds', 'high', 3, 'Infinity');

-- About two thirds of all (client, question) pairs answered, one bulk statement per table.
INSERT INTO segment.st_companies_answers (client_id, question_id, option_id)
SELECT DISTINCT ON (c, o.question_id) c, o.question_id, o.option_id
FROM generate_series(1, 200) c JOIN segment.answer_options o ON o.scheme IN ('size', 'risk')
WHERE hashint4(c * 31 + o.question_id) % 3 <> 0
ORDER BY c, o.question_id, random();
INSERT INTO segment.st_accounts_answers (client_id, question_id, option_id)
SELECT DISTINCT ON (c, o.question_id) 'acc-' || c, o.question_id, o.option_id
FROM generate_series(1, 200) c JOIN segment.answer_options o ON o.scheme = 'loyalty'
WHERE hashint4(c * 31 + o.question_id) % 3 <> 0
ORDER BY c, o.question_id, random();

INSERT INTO segment.st_accounts_picks (client_id, question_id, option_id)
SELECT 'acc-' || c, o.question_id, o.option_id
FROM generate_series(1, 200) c JOIN segment.answer_options o ON o.scheme = 'kinds'
WHERE hashint4(c * 17 + o.option_id) % 2 = 0;
INSERT INTO segment.st_accounts_answers (client_id, question_id, value)
SELECT 'acc-' || c, q.question_id, c % 9
FROM generate_series(1, 200) c JOIN segment.questions q ON q.code = 'visits'
WHERE c % 3 <> 0;

-- Both client tables in one shape (keys as text), so each check is one query over both.
CREATE VIEW st.clients AS
    SELECT 'companies' AS tbl, id::text AS client FROM st.companies
    UNION ALL SELECT 'accounts', id FROM st.accounts
    UNION ALL SELECT 'customers', id FROM st.customers;
CREATE VIEW st.answers AS
    SELECT 'companies' AS tbl, client_id::text AS client, question_id, option_id, value
    FROM segment.st_companies_answers
    UNION ALL SELECT 'accounts', client_id, question_id, option_id, value
    FROM segment.st_accounts_answers
    UNION ALL SELECT 'customers', client_id, question_id, option_id, value
    FROM segment.st_customers_answers;
CREATE VIEW st.picks AS
    SELECT 'companies' AS tbl, client_id::text AS client, question_id, option_id
    FROM segment.st_companies_picks
    UNION ALL SELECT 'accounts', client_id, question_id, option_id FROM segment.st_accounts_picks
    UNION ALL SELECT 'customers', client_id, question_id, option_id FROM segment.st_customers_picks;
CREATE VIEW st.assignments AS
    SELECT 'companies' AS tbl, scheme_id, client_id::text AS client, score, answered, segment, version
    FROM segment.st_companies_assignments
    UNION ALL SELECT 'accounts', scheme_id, client_id, score, answered, segment, version
    FROM segment.st_accounts_assignments
    UNION ALL SELECT 'customers', scheme_id, client_id, score, answered, segment, version
    FROM segment.st_customers_assignments;
CREATE VIEW st.history AS
    SELECT 'companies' AS tbl, history_id, scheme_id, client_id::text AS client, new_score,
           new_segment, cause, version
    FROM segment.st_companies_history
    UNION ALL SELECT 'accounts', history_id, scheme_id, client_id, new_score, new_segment, cause, version
    FROM segment.st_accounts_history
    UNION ALL SELECT 'customers', history_id, scheme_id, client_id, new_score, new_segment, cause, version
    FROM segment.st_customers_history;

-- Each check_* view lists offending rows; an empty view is a passed check.

-- The extension's own from-scratch recompute.
CREATE VIEW st.check_verify AS
    SELECT s.name AS scheme, v.* FROM segment.schemes s CROSS JOIN LATERAL segment.verify(s.name) v;

-- The same recompute in plain SQL, independent of the extension's code and caches: score =
-- sum of weight x points (an option's; a number answer's range's, none outside every range;
-- each picked option's), answered = count of answer and pick rows, segment = the level holding
-- the score, and an assignment exactly for the clients with an answer in the scheme (schemes
-- without parameters or rules; check_parameter_recompute and check_ruled_recompute cover the
-- others).
CREATE VIEW st.check_recompute AS
    WITH contributions AS (
        SELECT a.tbl, o.scheme_id, a.client, o.weight * o.points AS points
        FROM st.answers a JOIN segment.answer_options o USING (question_id, option_id)
        UNION ALL
        SELECT a.tbl, q.scheme_id, a.client, q.weight * COALESCE(r.points, 0)
        FROM st.answers a JOIN segment.questions q USING (question_id)
        LEFT JOIN segment.question_ranges r ON r.question_id = q.question_id
             AND r.min_value <= a.value AND a.value < r.max_value
        WHERE a.option_id IS NULL
        UNION ALL
        SELECT p.tbl, o.scheme_id, p.client, o.weight * o.points
        FROM st.picks p JOIN segment.answer_options o USING (question_id, option_id)),
    expected AS (
        SELECT tbl, scheme_id, client, sum(points) AS score, count(*)::int AS answered
        FROM contributions WHERE tbl <> 'customers'
          AND scheme_id <> (SELECT scheme_id FROM segment.schemes WHERE name = 'risk')
        GROUP BY 1, 2, 3)
    SELECT coalesce(e.tbl, s.tbl) AS tbl, coalesce(e.scheme_id, s.scheme_id) AS scheme_id,
           coalesce(e.client, s.client) AS client, s.score AS stored_score, e.score AS expected_score,
           s.segment AS stored_segment, l.name AS expected_segment,
           s.answered AS stored_answered, e.answered AS expected_answered, s.version AS stored_version
    FROM expected e
    LEFT JOIN segment.levels l
        ON l.scheme_id = e.scheme_id AND e.score >= l.min_score AND e.score < l.max_score
    FULL JOIN (SELECT * FROM st.assignments WHERE tbl <> 'customers'
               AND scheme_id <> (SELECT scheme_id FROM segment.schemes WHERE name = 'risk')) s
        ON (s.tbl, s.scheme_id, s.client) = (e.tbl, e.scheme_id, e.client)
    WHERE s.score IS DISTINCT FROM e.score OR s.segment IS DISTINCT FROM l.name
       OR s.answered IS DISTINCT FROM e.answered;

-- Scheme value recomputed in plain SQL from its configuration tables as they are now (the
-- administrator changes points and weights): every customer has an assignment (the employees
-- parameter always has a value); score = the answer's weight x points + each parameter's
-- weight x the points of the range holding its value; revenue is required, so a customer
-- without orders has no segment.
CREATE VIEW st.check_parameter_recompute AS
    WITH par AS (
        SELECT c.id AS client, p.code, p.weight, r.points
        FROM st.customers c
        LEFT JOIN (SELECT customer, sum(amount) AS revenue, count(*) AS n
                   FROM st.orders GROUP BY customer) o ON o.customer = c.id
        CROSS JOIN LATERAL (VALUES ('employees', c.employees::numeric), ('revenue', o.revenue),
                                   ('orders', COALESCE(o.n, 0))) v(code, value)
        JOIN segment.parameters p ON p.code = v.code
        LEFT JOIN segment.parameter_ranges r ON r.parameter_id = p.parameter_id
             AND r.min_value <= v.value AND v.value < r.max_value),
    expected AS (
        SELECT par.client,
               sum(par.weight * par.points)
               + COALESCE((SELECT sum(o.weight * o.points) FROM segment.st_customers_answers a
                           JOIN segment.answer_options o USING (question_id, option_id)
                           WHERE a.client_id = par.client), 0) AS score,
               bool_or(par.code = 'revenue' AND par.points IS NULL) AS incomplete
        FROM par GROUP BY par.client)
    SELECT coalesce(e.client, s.client) AS client, s.score AS stored_score,
           e.score AS expected_score, s.segment AS stored_segment, l.name AS expected_segment
    FROM expected e
    LEFT JOIN segment.levels l ON l.scheme_id = (SELECT scheme_id FROM segment.schemes
                                                  WHERE name = 'value')
         AND NOT e.incomplete AND e.score >= l.min_score AND e.score < l.max_score
    FULL JOIN (SELECT * FROM st.assignments WHERE tbl = 'customers') s ON s.client = e.client
    WHERE s.score IS DISTINCT FROM trim_scale(e.score) OR s.segment IS DISTINCT FROM l.name;

-- Scheme risk recomputed in plain SQL with its rules as they are now: the weighted points of
-- a group's members summed and clamped to the group's bounds, the first forced level an
-- answer meets, else no segment while a required question is unanswered, else the level.
CREATE VIEW st.check_ruled_recompute AS
    WITH sc AS (SELECT scheme_id FROM segment.schemes WHERE name = 'risk'),
    -- each company's variant (none: NULL) and the variant whose levels segment it
    cv AS (
        SELECT c.id::text AS client, v.variant_id,
               CASE WHEN EXISTS (SELECT 1 FROM segment.levels vl WHERE vl.variant_id = v.variant_id)
                    THEN v.variant_id END AS level_variant
        FROM st.companies c
        LEFT JOIN segment.variants v ON v.scheme_id = (SELECT scheme_id FROM sc)
             AND c.kind = ANY (v.column_values)),
    selects AS (SELECT EXISTS (SELECT 1 FROM segment.variant_columns vc
                               WHERE vc.scheme_id = (SELECT scheme_id FROM sc)) AS active),
    -- whether an input counts for a client: variants off, attached to none, or to its variant
    given AS (
        SELECT a.client, q.question_id, o.option_id, q.group_id, q.weight * o.points AS points,
               (SELECT NOT active FROM selects)
               OR NOT EXISTS (SELECT 1 FROM segment.variant_items vi WHERE vi.question_id = q.question_id)
               OR EXISTS (SELECT 1 FROM segment.variant_items vi JOIN cv ON cv.variant_id = vi.variant_id
                          WHERE vi.question_id = q.question_id AND cv.client = a.client) AS counts
        FROM st.answers a JOIN segment.questions q USING (question_id)
        JOIN segment.options o USING (question_id, option_id)
        WHERE a.tbl = 'companies' AND q.scheme_id = (SELECT scheme_id FROM sc)),
    sums AS (
        SELECT client, CASE WHEN counts THEN group_id END AS group_id,
               sum(CASE WHEN counts THEN points ELSE 0 END) AS points
        FROM given GROUP BY 1, 2),
    expected AS (
        SELECT s.client,
               sum(CASE WHEN g.min_points > s.points THEN g.min_points
                        WHEN g.max_points < s.points THEN g.max_points
                        ELSE s.points END) AS score
        FROM sums s LEFT JOIN segment.groups g ON g.group_id = s.group_id GROUP BY s.client),
    forced AS (
        SELECT DISTINCT ON (x.client) x.client, l.name
        FROM given x JOIN segment.forced_levels f ON f.option_id = x.option_id
        JOIN segment.levels l ON l.level_id = f.level_id
        WHERE x.counts
        ORDER BY x.client, f.rule_id),
    want AS (
        SELECT e.client, e.score,
               (SELECT count(*) FROM given x WHERE x.client = e.client)::int AS answered,
               COALESCE(f.name, CASE WHEN NOT EXISTS (
                   SELECT 1 FROM segment.questions q
                   WHERE q.scheme_id = (SELECT scheme_id FROM sc) AND q.required
                     AND ((SELECT NOT active FROM selects)
                          OR NOT EXISTS (SELECT 1 FROM segment.variant_items vi
                                         WHERE vi.question_id = q.question_id)
                          OR EXISTS (SELECT 1 FROM segment.variant_items vi
                                     WHERE vi.question_id = q.question_id
                                       AND vi.variant_id = v.variant_id))
                     AND NOT EXISTS (SELECT 1 FROM given x WHERE x.client = e.client
                                                            AND x.question_id = q.question_id))
                   AND ((SELECT NOT active FROM selects) OR v.variant_id IS NOT NULL)
                   THEN l.name END) AS segment
        FROM expected e LEFT JOIN forced f ON f.client = e.client
        LEFT JOIN cv v ON v.client = e.client
        LEFT JOIN segment.levels l ON l.scheme_id = (SELECT scheme_id FROM sc)
             AND l.variant_id IS NOT DISTINCT FROM
                 CASE WHEN (SELECT active FROM selects) THEN v.level_variant END
             AND e.score >= l.min_score AND e.score < l.max_score)
    SELECT coalesce(w.client, s.client) AS client, s.score AS stored_score,
           w.score AS expected_score, s.segment AS stored_segment, w.segment AS expected_segment,
           s.answered AS stored_answered, w.answered AS expected_answered
    FROM want w
    FULL JOIN (SELECT * FROM st.assignments
               WHERE tbl = 'companies' AND scheme_id = (SELECT scheme_id FROM sc)) s
        ON s.client = w.client
    WHERE s.score IS DISTINCT FROM w.score OR s.segment IS DISTINCT FROM w.segment
       OR s.answered IS DISTINCT FROM w.answered;

-- The ledger agrees with the assignment: the latest history row of a (scheme, client) carries
-- the assignment's score and segment; without an assignment there is no history, or the latest
-- row records the loss of the last answer (NULL new_score).
CREATE VIEW st.check_history_latest AS
    WITH latest AS (
        SELECT DISTINCT ON (tbl, scheme_id, client) *
        FROM st.history ORDER BY tbl, scheme_id, client, history_id DESC)
    SELECT coalesce(h.tbl, s.tbl) AS tbl, coalesce(h.scheme_id, s.scheme_id) AS scheme_id,
           coalesce(h.client, s.client) AS client, s.score AS assigned_score, h.new_score AS ledger_score,
           s.segment AS assigned_segment, h.new_segment AS ledger_segment,
           h.history_id, h.cause, h.version AS ledger_version, s.version AS assigned_version
    FROM latest h
    FULL JOIN st.assignments s ON (s.tbl, s.scheme_id, s.client) = (h.tbl, h.scheme_id, h.client)
    WHERE CASE WHEN s.client IS NULL THEN h.new_score IS NOT NULL
               ELSE h.client IS NULL OR h.new_score IS DISTINCT FROM s.score
                    OR h.new_segment IS DISTINCT FROM s.segment END;

-- Deleting a client removes everything of it.
CREATE VIEW st.check_orphans AS
    SELECT 'assignment' AS kind, tbl, scheme_id, client, count(*) AS rows
    FROM st.assignments x
    WHERE NOT EXISTS (SELECT FROM st.clients c WHERE (c.tbl, c.client) = (x.tbl, x.client))
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT 'history', tbl, scheme_id, client, count(*)
    FROM st.history x
    WHERE NOT EXISTS (SELECT FROM st.clients c WHERE (c.tbl, c.client) = (x.tbl, x.client))
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT 'answer', tbl, NULL::int, client, count(*)
    FROM st.answers x
    WHERE NOT EXISTS (SELECT FROM st.clients c WHERE (c.tbl, c.client) = (x.tbl, x.client))
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT 'pick', tbl, NULL::int, client, count(*)
    FROM st.picks x
    WHERE NOT EXISTS (SELECT FROM st.clients c WHERE (c.tbl, c.client) = (x.tbl, x.client))
    GROUP BY 1, 2, 3, 4;

-- A configuration change bumps the version, and every history row written after it (higher
-- history_id) must carry that version or a newer one: a row stamped older than an earlier row
-- of its scheme was computed from a stale configuration.
CREATE VIEW st.check_history_version_order AS
    SELECT * FROM (
        SELECT tbl, scheme_id, history_id, client, cause, version,
               lag(version) OVER w AS previous_row_version,
               max(version) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS max_earlier_version
        FROM st.history
        WINDOW w AS (PARTITION BY tbl, scheme_id ORDER BY history_id)) h
    WHERE version < max_earlier_version;

-- No assignment or history row is stamped with a version the scheme has not reached.
CREATE VIEW st.check_version_not_ahead AS
    SELECT 'assignment' AS kind, x.tbl, x.scheme_id, x.client, x.version, s.version AS scheme_version
    FROM st.assignments x JOIN segment.schemes s USING (scheme_id) WHERE x.version > s.version
    UNION ALL
    SELECT 'history', x.tbl, x.scheme_id, x.client, x.version, s.version
    FROM st.history x JOIN segment.schemes s USING (scheme_id) WHERE x.version > s.version;
