-- Whether an input counts for a client of a scheme with variants: it is attached to no
-- variant, or to the client's (client_variants). The parts name the input's column of
-- variant_items (item_column), the input's id (item) and the client (client).
(NOT EXISTS (SELECT 1 FROM segment.variant_items vi WHERE vi.{{item_column}} = {{item}})
 OR EXISTS (SELECT 1 FROM segment.variant_items vi
            JOIN client_variants cv ON cv.variant_id = vi.variant_id
            WHERE vi.{{item_column}} = {{item}} AND cv.client_id = {{client}}))
