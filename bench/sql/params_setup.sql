-- The parameters benchmark: :clients customers, twice — bench_params.customers scored by a
-- scheme with a client-row parameter (employees) and two parameters over the orders (sum and
-- count), bench_params.plain_customers with no scheme at all — and empty orders tables for
-- COPY, one read by the parameters, one plain.
CREATE EXTENSION IF NOT EXISTS pg_segment;
CREATE SCHEMA bench_params;
CREATE TABLE bench_params.customers (
    id bigint PRIMARY KEY, employees integer NOT NULL, region text NOT NULL, note text
);
INSERT INTO bench_params.customers
SELECT g, (g * 37) % 500, (ARRAY['north', 'south', 'east', 'west'])[1 + g % 4], 'n'
FROM generate_series(1, :clients) g;
CREATE TABLE bench_params.plain_customers (LIKE bench_params.customers INCLUDING ALL);
INSERT INTO bench_params.plain_customers SELECT * FROM bench_params.customers;
CREATE TABLE bench_params.orders (customer_id bigint NOT NULL, amount numeric(12, 2) NOT NULL,
                                  ordered_at date NOT NULL);
CREATE INDEX ON bench_params.orders (customer_id);
CREATE TABLE bench_params.plain_orders (LIKE bench_params.orders INCLUDING ALL);

SELECT segment.create_scheme('params', 'bench_params.customers');
SELECT segment.add_parameter('params', 'employees', 'Employees', 'employees');
SELECT segment.add_range('params', 'employees', 0, 50, 1);
SELECT segment.add_range('params', 'employees', 50, 200, 3);
SELECT segment.add_range('params', 'employees', 200, 'Infinity', 5);
SELECT segment.add_parameter('params', 'revenue', 'Revenue', 'sum(amount)',
                             source => 'bench_params.orders', client_column => 'customer_id');
SELECT segment.add_range('params', 'revenue', 0, 1000, 1);
SELECT segment.add_range('params', 'revenue', 1000, 'Infinity', 4);
SELECT segment.add_parameter('params', 'orders', 'Orders', 'count(*)',
                             source => 'bench_params.orders', client_column => 'customer_id');
SELECT segment.add_range('params', 'orders', 0, 1, 0);
SELECT segment.add_range('params', 'orders', 1, 'Infinity', 2);
SELECT segment.add_level('params', 'low', '-Infinity', 5);
SELECT segment.add_level('params', 'high', 5, 'Infinity');

-- The hand-written baseline of segment.refresh: the same three parameters' points for every
-- customer, set-based, upserted into a scores table where they changed.
CREATE TABLE bench_params.handwritten_scores (client_id bigint PRIMARY KEY, score numeric NOT NULL,
                                              segment text NOT NULL);
