-- Single-answer writer through segment.answer(), by codes: a random scheme (1 size, 2 risk over
-- st.companies; 3 loyalty over st.accounts), client, question and option.
\set s random(1, 3)
\set cid random(1, 200)
\set q random(1, CASE WHEN :s = 2 THEN 3 ELSE 4 END)
\set o random(1, CASE WHEN :s = 2 THEN 2 ELSE 3 END)
\if :s = 3
SELECT segment.answer('loyalty', 'acc-' || :cid, 'q' || :q, 'o' || :o);
\else
SELECT segment.answer((ARRAY['size', 'risk'])[:s], :cid, 'q' || :q, 'o' || :o);
\endif
