-- Client deleter: removes a client row (its answers cascade, the client table's trigger removes
-- its assignments and history) and puts the same key back, either in the same transaction
-- (others never see the client missing) or in the next one (writers in between meet a missing
-- client); or deletes all answers of one client (it becomes uncategorized); or changes a
-- company's kind, which selects its variant of scheme risk. A customer of
-- scheme value comes back with its orders (they reference it without a foreign key) and is
-- categorized again by its insert.
\set cid random(1, 200)
\set kind random(1, 9)
\set variant random(0, 2)
\if :kind = 1
BEGIN;
DELETE FROM st.companies WHERE id = :cid;
INSERT INTO st.companies VALUES (:cid, 'company ' || :cid);
COMMIT;
\elif :kind = 2
BEGIN;
DELETE FROM st.accounts WHERE id = 'acc-' || :cid;
INSERT INTO st.accounts VALUES ('acc-' || :cid, 'account ' || :cid);
COMMIT;
\elif :kind = 3
DELETE FROM st.companies WHERE id = :cid;
INSERT INTO st.companies VALUES (:cid, 'company ' || :cid);
\elif :kind = 4
DELETE FROM st.accounts WHERE id = 'acc-' || :cid;
INSERT INTO st.accounts VALUES ('acc-' || :cid, 'account ' || :cid);
\elif :kind = 5
DELETE FROM segment.st_companies_answers WHERE client_id = :cid;
\elif :kind = 6
DELETE FROM st.customers WHERE id = 'c-' || :cid;
INSERT INTO st.customers VALUES ('c-' || :cid, :cid % 300, 'n');
\elif :kind = 7
BEGIN;
DELETE FROM st.customers WHERE id = 'c-' || :cid;
INSERT INTO st.customers VALUES ('c-' || :cid, :cid % 300, 'n');
COMMIT;
\elif :kind = 8
DELETE FROM segment.st_accounts_answers WHERE client_id = 'acc-' || :cid;
\else
-- a company changes kind (the variant of scheme risk): shop, depot or none
UPDATE st.companies SET kind = (ARRAY['shop', 'depot'])[:variant] WHERE id = :cid;
\endif
