-- Parameter values (parameter_values.sql) and their points summed per client
-- (parameter_points.sql): the CTEs parameter_values, parameter_points and parameter_sums.
{{parameter_values}},
{{parameter_points}}
