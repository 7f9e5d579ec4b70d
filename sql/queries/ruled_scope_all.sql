-- What recompute_ruled.sql reads when it re-scores every client of the scheme: all answers,
-- picks, assignments and client rows (read only for their variant column).
scope_answers AS NOT MATERIALIZED (SELECT * FROM {{answers}}),
scope_picks AS NOT MATERIALIZED (SELECT * FROM {{picks}}),
scope_assignments AS NOT MATERIALIZED (SELECT * FROM {{assignments}}),
scope_client_rows AS NOT MATERIALIZED (SELECT * FROM {{client_table}})
