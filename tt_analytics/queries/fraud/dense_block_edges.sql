-- name: fraud/dense_block_edges
-- The candidate buyer-group x product graph of each shop for FRAUDAR: one row per (shop, buyer
-- group, product) bought, with the product's number of buyer groups in the whole shop (its
-- popularity, for the 1 / log(x + c) column weight). Only groups with at least
-- `min_products_per_group` distinct products in the shop, in shops with at least `min_groups`
-- such groups, are candidates: a group that bought one product cannot be part of a block.
-- Each edge carries the integer numbers FRAUDAR's per-shop peeling works on.
-- Rule ID: FT-BULK (dense blocks; Hooi et al., FRAUDAR, KDD 2016).
WITH edges AS NOT MATERIALIZED (  -- the pairs come aggregated: read three times, not copied
    SELECT shop_id, group_id, product_id FROM fraud_group_products
),
popularity AS (
    SELECT shop_id, product_id, COUNT(*) AS product_groups FROM edges GROUP BY shop_id, product_id
),
candidate_groups AS (
    SELECT shop_id, group_id FROM edges
    GROUP BY shop_id, group_id
    HAVING COUNT(*) >= CAST($min_products_per_group AS BIGINT)
),
candidate_shops AS (
    SELECT shop_id, ROW_NUMBER() OVER (ORDER BY shop_id) - 1 AS shop_index
    FROM candidate_groups
    GROUP BY shop_id
    HAVING COUNT(*) >= CAST($min_groups AS BIGINT)
),
-- 0-based numbers of the shop, and of the group and product within the shop (sorted order), for
-- the integer arrays of the per-shop peeling; numbered on the small tables, then joined
group_numbers AS (
    SELECT g.shop_id, g.group_id, ROW_NUMBER() OVER (PARTITION BY g.shop_id ORDER BY g.group_id) - 1 AS group_index
    FROM candidate_groups g
    SEMI JOIN candidate_shops USING (shop_id)
),
candidate_edges AS (
    SELECT e.shop_id, e.group_id, e.product_id, s.shop_index, g.group_index
    FROM edges e
    JOIN group_numbers g USING (shop_id, group_id)
    JOIN candidate_shops s USING (shop_id)
),
product_numbers AS (
    SELECT shop_id, product_id, ROW_NUMBER() OVER (PARTITION BY shop_id ORDER BY product_id) - 1 AS product_index
    FROM (SELECT DISTINCT shop_id, product_id FROM candidate_edges)
)
SELECT e.shop_id, e.group_id, e.product_id, p.product_groups, e.shop_index, e.group_index, n.product_index
FROM candidate_edges e
JOIN popularity p USING (shop_id, product_id)
JOIN product_numbers n USING (shop_id, product_id)
ORDER BY e.shop_index
