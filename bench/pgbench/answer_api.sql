-- The codes go as literals, as an application sends them (pgbench substitutes :q inside the
-- quotes); building them with 'q' || :q would make the planner inline a SQL function
-- (textanycat) on every call, about a tenth of the call's time, which no application pays.
\set c random(1, :clients)
\set q random(1, 10)
\set o random(1, 4)
SELECT segment.answer('bench', :c, 'q:q', 'o:o');
