-- Writer of the data scheme value's parameters read (st.customers, st.orders) and of its
-- answers: an order of one customer inserted, deleted or moved to another customer; a
-- customer's employees changed (a parameter column) or its note (no parameter reads it); the
-- question answered through segment.answer(); now and then one statement on every customer's
-- orders (over 1,000 clients: the bulk path, which locks the customers table).
\set c random(1, 1200)
\set c2 random(1, 1200)
\set amount random(0, 900)
\set kind random(1, 40)
\if :kind <= 10
INSERT INTO st.orders VALUES ('c-' || :c, :amount);
\elif :kind <= 15
DELETE FROM st.orders WHERE ctid = (SELECT ctid FROM st.orders WHERE customer = 'c-' || :c LIMIT 1);
\elif :kind <= 19
UPDATE st.orders SET customer = 'c-' || :c2
WHERE ctid = (SELECT ctid FROM st.orders WHERE customer = 'c-' || :c LIMIT 1);
\elif :kind <= 27
UPDATE st.customers SET employees = :amount % 300 WHERE id = 'c-' || :c;
\elif :kind <= 30
UPDATE st.customers SET note = 'n' || :amount WHERE id = 'c-' || :c;
\elif :kind <= 38
SELECT segment.answer('value', 'c-' || :c, 'q1', 'o' || (1 + :amount % 3));
\elif :kind = 39
INSERT INTO st.orders SELECT id, :amount % 7 FROM st.customers;
\else
DELETE FROM st.orders WHERE amount < 7 AND random() < 0.9;
\endif
