-- What a DBA would write instead of segment.refresh('params'): every customer's points from its
-- row and its orders in one statement, upserted where they changed.
WITH per_customer AS (
    SELECT c.id,
           CASE WHEN c.employees < 50 THEN 1 WHEN c.employees < 200 THEN 3 ELSE 5 END
           + CASE WHEN o.revenue IS NULL THEN 0 WHEN o.revenue < 1000 THEN 1 ELSE 4 END
           + CASE WHEN COALESCE(o.orders, 0) < 1 THEN 0 ELSE 2 END AS score
    FROM bench_params.customers c
    LEFT JOIN (SELECT customer_id, sum(amount) AS revenue, count(*) AS orders
               FROM bench_params.orders GROUP BY customer_id) o ON o.customer_id = c.id)
INSERT INTO bench_params.handwritten_scores AS h (client_id, score, segment)
SELECT id, score, CASE WHEN score < 5 THEN 'low' ELSE 'high' END FROM per_customer
ON CONFLICT (client_id) DO UPDATE SET score = EXCLUDED.score, segment = EXCLUDED.segment
WHERE h.score IS DISTINCT FROM EXCLUDED.score;
