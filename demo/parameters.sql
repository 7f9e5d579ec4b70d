-- Scoring on data the CRM already holds: a third scheme over the companies mixes a question
-- with a parameter of the company's own row (its head count) and two parameters over its
-- orders, which live in monthly partitions and reference the company by a plain column (no
-- foreign key): revenue of the last 12 months and days since the last order.

ALTER TABLE crm.companies ADD COLUMN employees integer;
UPDATE crm.companies SET employees = CASE WHEN id % 10 = 0 THEN NULL ELSE 2 + (id * 37) % 400 END;

-- The demo's own clock, so that "time passes" can be shown: a stable function, as parameter
-- expressions require (a real deployment would write current_date).
CREATE TABLE crm.demo_clock (today date NOT NULL);
INSERT INTO crm.demo_clock VALUES ('2026-11-30');
CREATE FUNCTION crm.today() RETURNS date LANGUAGE sql STABLE RETURN (SELECT today FROM crm.demo_clock);

CREATE TABLE crm.orders (
    order_id   bigint NOT NULL,
    company_id bigint NOT NULL,
    amount     numeric(12, 2) NOT NULL,
    ordered_at date NOT NULL
) PARTITION BY RANGE (ordered_at);
DO $$
DECLARE
    month date;
BEGIN
    FOR month IN SELECT generate_series(DATE '2025-01-01', DATE '2027-12-01', interval '1 month') LOOP
        EXECUTE format('CREATE TABLE crm.%I PARTITION OF crm.orders FOR VALUES FROM (%L) TO (%L)',
                       'orders_' || to_char(month, 'YYYY_MM'), month, month + interval '1 month');
    END LOOP;
END
$$;
-- A write of orders re-scores their companies by reading each one's orders through this index.
CREATE INDEX ON crm.orders (company_id);
-- Deterministic orders of the last two years; a company in five never ordered.
INSERT INTO crm.orders (order_id, company_id, amount, ordered_at)
SELECT g, c, 50 + (g * 7919) % 2000, DATE '2026-11-29' - (g * 104729) % 690
FROM generate_series(1, 20000) g, LATERAL (SELECT 1 + (g * 31) % 1200 AS c) x
WHERE c % 5 <> 0;

SELECT segment.create_scheme('account_value', 'crm.companies',
                             'Value of a company account: relationship, size and orders');
SELECT segment.add_question('account_value', 'relationship', 'Quality of the relationship', 1);
SELECT segment.add_option('account_value', 'relationship', 'cold', 'Cold', 0);
SELECT segment.add_option('account_value', 'relationship', 'warm', 'Warm', 3);
SELECT segment.add_option('account_value', 'relationship', 'partner', 'Partner', 6);
-- the company's own row
SELECT segment.add_parameter('account_value', 'employees', 'Head count', 'employees');
SELECT segment.add_range('account_value', 'employees', 0, 50, 1);
SELECT segment.add_range('account_value', 'employees', 50, 200, 3);
SELECT segment.add_range('account_value', 'employees', 200, 'Infinity', 5);
-- its orders: revenue of the last 12 months (required: without orders, no segment)
SELECT segment.add_parameter('account_value', 'revenue_12m', 'Revenue, last 12 months',
    $$sum(amount) FILTER (WHERE ordered_at > crm.today() - 365)$$,
    weight => 2, source => 'crm.orders', client_column => 'company_id', required => true);
SELECT segment.add_range('account_value', 'revenue_12m', 0, 5000, 0);
SELECT segment.add_range('account_value', 'revenue_12m', 5000, 15000, 2);
SELECT segment.add_range('account_value', 'revenue_12m', 15000, 'Infinity', 4);
-- and days since the last order
SELECT segment.add_parameter('account_value', 'recency', 'Days since the last order',
    'crm.today() - max(ordered_at)', source => 'crm.orders', client_column => 'company_id');
SELECT segment.add_range('account_value', 'recency', 0, 30, 4);
SELECT segment.add_range('account_value', 'recency', 30, 90, 2);
SELECT segment.add_range('account_value', 'recency', 90, 'Infinity', 0);
SELECT segment.add_level('account_value', 'standard', '-Infinity', 12);
SELECT segment.add_level('account_value', 'key', 12, 'Infinity');

-- Account managers' view of the relationship, for some companies.
INSERT INTO segment.crm_companies_answers (client_id, question_id, option_id)
SELECT c.id, o.question_id, o.option_id
FROM crm.companies c
JOIN segment.answer_options o ON o.scheme = 'account_value' AND o.question = 'relationship'
 AND o.option = (ARRAY['cold', 'warm', 'partner'])[1 + c.id % 3]
WHERE c.id % 4 = 0;

-- A number question on the outlet scheme: the field agent counts the checkout counters, and
-- ranges map the count to points. Visited companies' counts arrive as one bulk statement.
SELECT segment.add_question('outlet_category', 'checkouts', 'Number of checkout counters', 1,
    kind => 'number');
SELECT segment.add_range('outlet_category', 'checkouts', 0, 2, 0);
SELECT segment.add_range('outlet_category', 'checkouts', 2, 6, 2);
SELECT segment.add_range('outlet_category', 'checkouts', 6, 'Infinity', 4);
INSERT INTO segment.crm_companies_answers (client_id, question_id, value)
SELECT c.id, q.question_id, abs(hashtext('checkouts/' || c.id)) % 12
FROM crm.companies c
JOIN segment.questions q ON q.code = 'checkouts'
JOIN segment.schemes s ON s.scheme_id = q.scheme_id AND s.name = 'outlet_category'
WHERE c.id <= 1160;

-- A multiple-choice question: the payment methods an outlet accepts, each worth points; the
-- picks are rows of the picks table, one per chosen option.
SELECT segment.add_question('outlet_category', 'payment_methods', 'Payment methods accepted', 1,
    kind => 'multiple');
SELECT segment.add_option('outlet_category', 'payment_methods', 'cash', 'Cash', 0);
SELECT segment.add_option('outlet_category', 'payment_methods', 'card', 'Cards', 1);
SELECT segment.add_option('outlet_category', 'payment_methods', 'mobile', 'Mobile wallets', 2);
INSERT INTO segment.crm_companies_picks (client_id, question_id, option_id)
SELECT c.id, o.question_id, o.option_id
FROM crm.companies c
JOIN segment.answer_options o ON o.scheme = 'outlet_category' AND o.question = 'payment_methods'
WHERE c.id <= 1160 AND abs(hashtext(o.option || '/' || c.id)) % 3 <> 0;
