\set id random(1, :clients)
UPDATE bench_params.plain_customers SET note = md5(:id::text) WHERE id = :id;
