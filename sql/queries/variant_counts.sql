-- Whether an input counts for a client of a scheme with variants: it is attached to no
-- variant, or to the client's. The parts name the input's column of variant_items
-- (item_column), the input's id (item) and the client's variant id (variant: a column of
-- client_variants joined to the client, NULL for a client of no variant). Both look-ups use
-- variant_items' indexes, never a scan of client_variants per row.
(NOT EXISTS (SELECT 1 FROM segment.variant_items vi WHERE vi.{{item_column}} = {{item}})
 OR EXISTS (SELECT 1 FROM segment.variant_items vi
            WHERE vi.{{item_column}} = {{item}} AND vi.variant_id = {{variant}}))
