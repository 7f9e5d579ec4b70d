\set id random(1, :clients)
UPDATE bench_params.plain_customers SET employees = (employees + 101) % 500 WHERE id = :id;
