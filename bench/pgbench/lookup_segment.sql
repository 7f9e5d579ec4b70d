\set c random(1, :clients)
SELECT segment.segment_of('bench', :c);
