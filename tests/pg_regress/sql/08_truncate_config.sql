-- Emptying the configuration with TRUNCATE … CASCADE leaves no assignment or history behind
-- (they have no foreign key to segment.schemes; a trigger on it removes them).
SELECT s.name, count(*) AS assignments
FROM segment.schemes s JOIN segment.shop_outlets_assignments a ON a.scheme_id = s.scheme_id
GROUP BY s.name ORDER BY 1;
-- previous_score / previous_segment: what the last write moved each client from
SELECT client_id, previous_score, previous_segment, score, segment
FROM segment.shop_outlets_assignments ORDER BY client_id;
SET client_min_messages = warning;  -- the cascade notices list tables in catalog order
TRUNCATE segment.schemes CASCADE;
RESET client_min_messages;
SELECT (SELECT count(*) FROM segment.shop_outlets_answers) AS answers,
       (SELECT count(*) FROM segment.shop_outlets_assignments) AS assignments,
       (SELECT count(*) FROM segment.shop_outlets_history) AS history,
       (SELECT count(*) FROM segment.people_persons_assignments) AS other_assignments,
       (SELECT count(*) FROM segment.people_persons_history) AS other_history;
