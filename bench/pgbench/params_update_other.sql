\set id random(1, :clients)
UPDATE bench_params.customers SET note = md5(:id::text) WHERE id = :id;
