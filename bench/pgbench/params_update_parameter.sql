\set id random(1, :clients)
UPDATE bench_params.customers SET employees = (employees + 101) % 500 WHERE id = :id;
