-- Answers as the CRM back end writes them: plain INSERT … SELECT into the answers tables.
-- Each statement is one bulk write; the statement-level triggers score every touched client once.
-- Options are picked deterministically from a hash of (client, question); about 4% of the
-- questions stay unanswered, and the last 40 companies have not been visited yet.
INSERT INTO segment.crm_companies_answers (client_id, question_id, option_id)
SELECT c.id, q.question_id,
       (SELECT o.option_id FROM segment.options o WHERE o.question_id = q.question_id
        ORDER BY o.position
        OFFSET abs(hashtext(c.id || '/' || q.code)) % (SELECT count(*) FROM segment.options o2
                                                        WHERE o2.question_id = q.question_id)
        LIMIT 1)
FROM crm.companies c
CROSS JOIN segment.questions q
JOIN segment.schemes s ON s.scheme_id = q.scheme_id AND s.name = 'outlet_category'
WHERE c.id <= 1160 AND abs(hashtext(q.code || '/' || c.id)) % 25 <> 0;

INSERT INTO segment.crm_people_answers (client_id, question_id, option_id)
SELECT p.id, q.question_id,
       (SELECT o.option_id FROM segment.options o WHERE o.question_id = q.question_id
        ORDER BY o.position
        OFFSET abs(hashtext(p.id || '/' || q.code)) % (SELECT count(*) FROM segment.options o2
                                                        WHERE o2.question_id = q.question_id)
        LIMIT 1)
FROM crm.people p
CROSS JOIN segment.questions q
JOIN segment.schemes s ON s.scheme_id = q.scheme_id AND s.name = 'customer_value'
WHERE abs(hashtext(q.code || '/' || p.id)) % 25 <> 0;
