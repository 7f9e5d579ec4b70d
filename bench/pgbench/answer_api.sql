\set c random(1, :clients)
\set q random(1, 10)
\set o random(1, 4)
SELECT segment.answer('bench', :c, 'q' || :q, 'o' || :o);
