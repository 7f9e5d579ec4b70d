-- Multi-tenant databases: row-level security on the per-table relations keeps each tenant to
-- its own clients' answers, scores and history, through plain SQL and through every function,
-- while the triggers' maintenance (run as the client table's owner, exempt from row security
-- as foreign-key checks are) keeps every score correct. The policies are the DBA's: a row is
-- visible when its client is, so the client table's own policy decides.
\set VERBOSITY default
\set SHOW_CONTEXT never
CREATE ROLE tenant_a;
CREATE ROLE tenant_b;
CREATE SCHEMA mt;
CREATE TABLE mt.clients (id integer PRIMARY KEY, tenant name NOT NULL);
INSERT INTO mt.clients VALUES (1, 'tenant_a'), (2, 'tenant_a'), (3, 'tenant_b'), (4, 'tenant_b');
ALTER TABLE mt.clients ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_clients ON mt.clients USING (tenant = current_user);
GRANT USAGE ON SCHEMA mt TO tenant_a, tenant_b;
GRANT SELECT ON mt.clients TO tenant_a, tenant_b;

SELECT segment.create_scheme('mt', 'mt.clients') > 0 AS created;
SELECT segment.add_question('mt', 'q', 'Q') > 0 AS q;
SELECT segment.add_option('mt', 'q', 'lo', 'Lo', 1) > 0 AS lo, segment.add_option('mt', 'q', 'hi', 'Hi', 10) > 0 AS hi;
SELECT segment.add_level('mt', 'low', '-Infinity', 5) > 0 AS low, segment.add_level('mt', 'high', 5, 'Infinity') > 0 AS high;
SELECT segment.answer('mt', c, 'q', 'hi') FROM generate_series(1, 4) c;
SELECT segment.grant_writer('tenant_a'), segment.grant_writer('tenant_b');

-- The DBA's policies: a row of pg_segment's tables is visible when its client is. Forced, so
-- that not even the tables' owner reads around them, except for the triggers' maintenance.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['mt_clients_answers', 'mt_clients_assignments', 'mt_clients_history'] LOOP
        EXECUTE format('ALTER TABLE segment.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE segment.%I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_clients ON segment.%I
                        USING (EXISTS (SELECT 1 FROM mt.clients c WHERE c.id = client_id))', t);
    END LOOP;
END
$$;

-- Tenant A writes its clients' answers, with the functions and with plain SQL …
SET ROLE tenant_a;
SELECT segment.answer('mt', 1, 'q', 'lo');
UPDATE segment.mt_clients_answers SET option_id = (SELECT option_id FROM segment.answer_options
                                                   WHERE scheme = 'mt' AND option = 'lo')
WHERE client_id = 2;
-- … sees only its own clients …
SELECT client_id, score, segment FROM segment.mt_clients_assignments ORDER BY client_id;
SELECT client_id, count(*) AS history_rows FROM segment.mt_clients_history GROUP BY 1 ORDER BY 1;
SELECT * FROM segment.distribution('mt');
SELECT count(*) AS disagreeing FROM segment.verify('mt');
-- … and nothing of tenant B's, through any function
SELECT segment.score('mt', 3) AS score_of_3, segment.segment_of('mt', 4) AS segment_of_4;
SELECT count(*) AS answers_of_3 FROM segment.explain('mt', 3) WHERE value IS NOT NULL;
SELECT count(*) AS history_of_3 FROM segment.history('mt', 3);
-- and cannot write tenant B's answers
\set VERBOSITY terse
SELECT segment.answer('mt', 3, 'q', 'lo');
UPDATE segment.mt_clients_answers SET option_id = option_id WHERE client_id = 3;
\set VERBOSITY default
RESET ROLE;

-- Tenant B's clients kept their scores; every score is correct.
SELECT client_id, score, segment FROM segment.mt_clients_assignments ORDER BY client_id;
SELECT count(*) AS disagreeing FROM segment.verify('mt');
SELECT segment.revoke_role('tenant_a'), segment.revoke_role('tenant_b');
SELECT segment.drop_scheme('mt');
DROP SCHEMA mt CASCADE;
DROP ROLE tenant_a, tenant_b;
