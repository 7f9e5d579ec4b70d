\set c random(1, :clients)
SELECT segment FROM bench.trig_assignments WHERE client_id = :c;
