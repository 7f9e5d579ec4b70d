-- Level boundaries suggested by the current scores: quantiles and k-means over a small,
-- hand-checked distribution, boundaries usable by segment.add_level, and the errors.
\set VERBOSITY default
CREATE SCHEMA sl;
CREATE TABLE sl.shops (id integer PRIMARY KEY);
INSERT INTO sl.shops SELECT g FROM generate_series(1, 13) g;
SELECT segment.create_scheme('sl', 'sl.shops') > 0 AS ok;
-- no assigned client: nothing to split
SELECT count(*) AS suggested FROM segment.suggest_levels('sl', 3);
SELECT segment.add_question('sl', 'size', 'Size', 1, 1) > 0 AS ok;
SELECT count(*) AS options FROM (
    SELECT segment.add_option('sl', 'size', 'p' || p, 'Points ' || p, p, p)
    FROM unnest(ARRAY[1, 2, 3, 10, 11, 12, 30]) p) o;
-- scores: 1 ×3, 2 ×3, 3 ×1, 10 ×2, 11 ×1, 12 ×2, 30 ×1 (13 shops)
SELECT count(segment.answer('sl', id, 'size', 'p' || p)) AS answered
FROM (VALUES (1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (6, 2), (7, 3), (8, 10), (9, 10),
             (10, 11), (11, 12), (12, 12), (13, 30)) a(id, p);
SELECT score, count(*) FROM segment.sl_shops_assignments GROUP BY score ORDER BY score;

-- Quantiles: a third of 13 clients is 4.33: 3 clients at or below score 1 come closer than 6
-- at or below 2; two thirds, 8.67: 9 at or below 10 come closest.
SELECT * FROM segment.suggest_levels('sl', 3);
-- k-means: the groups {1, 2, 3}, {10, 11, 12}, {30}
SELECT * FROM segment.suggest_levels('sl', 3, 'kmeans');
-- two levels: 30 alone (squares 258.9 in all) beats the low group alone (308.2)
SELECT * FROM segment.suggest_levels('sl', 2, 'kmeans');
-- more levels than distinct scores: one per score
SELECT * FROM segment.suggest_levels('sl', 10, 'kmeans');
SELECT * FROM segment.suggest_levels('sl', 1);

-- The suggestion taken as the scheme's levels: every shop lands in the level it was counted in.
SELECT count(segment.add_level('sl', 'level ' || level, min_score, max_score)) AS levels
FROM segment.suggest_levels('sl', 3, 'kmeans');
SELECT segment, count(*) FROM segment.sl_shops_assignments GROUP BY segment ORDER BY segment;

-- Scores with more decimals than a level's bound may have (weight 1.5 × points 0.3333 =
-- 0.49995, × 0.6667 = 1.00005): the bound is rounded down to four decimals (1.0000 still
-- separates them), and add_level takes it.
CREATE TABLE sl.kiosks (id integer PRIMARY KEY);
INSERT INTO sl.kiosks VALUES (1), (2);
SELECT segment.create_scheme('sl_fine', 'sl.kiosks') > 0 AS ok;
SELECT segment.add_question('sl_fine', 'q', 'Q', 1.5) > 0 AS ok;
SELECT segment.add_option('sl_fine', 'q', 'a', 'A', 0.3333) > 0
   AND segment.add_option('sl_fine', 'q', 'b', 'B', 0.6667) > 0 AS ok;
SELECT count(segment.answer('sl_fine', id, 'q', o)) AS answered
FROM (VALUES (1, 'a'), (2, 'b')) a(id, o);
SELECT * FROM segment.suggest_levels('sl_fine', 2, 'kmeans');
SELECT count(segment.add_level('sl_fine', 'level ' || level, min_score, max_score)) AS levels
FROM segment.suggest_levels('sl_fine', 2, 'kmeans');
SELECT client_id, score, segment FROM segment.sl_kiosks_assignments ORDER BY client_id;

-- Errors: 22023 with a HINT for k and method, 42704 for the scheme.
SELECT * FROM segment.suggest_levels('sl', 0);
SELECT * FROM segment.suggest_levels('sl', 101);
SELECT * FROM segment.suggest_levels('sl', 3, 'jenks');
SELECT * FROM segment.suggest_levels('nope', 3);
SELECT * FROM segment.suggest_levels('sl', NULL);
