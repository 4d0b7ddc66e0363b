-- name: fraud/dense_block_edges
-- The candidate buyer-group x product graph of each shop for FRAUDAR: one row per (shop, buyer
-- group, product) bought, with the product's number of buyer groups in the whole shop (its
-- popularity, for the 1 / log(x + c) column weight). Only groups with at least
-- `min_products_per_group` distinct products in the shop, in shops with at least `min_groups`
-- such groups, are candidates: a group that bought one product cannot be part of a block.
-- Each edge carries the integer numbers FRAUDAR's per-shop peeling works on.
-- Rule ID: FT-BULK (dense blocks; Hooi et al., FRAUDAR, KDD 2016).
WITH edges AS (
    SELECT DISTINCT shop_id, group_id, product_id FROM fraud_order_products
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
    SELECT shop_id FROM candidate_groups
    GROUP BY shop_id
    HAVING COUNT(*) >= CAST($min_groups AS BIGINT)
)
SELECT e.shop_id, e.group_id, e.product_id, p.product_groups,
       -- 0-based numbers of the shop, and of the group and product within the shop (sorted order)
       DENSE_RANK() OVER (ORDER BY e.shop_id) - 1 AS shop_index,
       DENSE_RANK() OVER (PARTITION BY e.shop_id ORDER BY e.group_id) - 1 AS group_index,
       DENSE_RANK() OVER (PARTITION BY e.shop_id ORDER BY e.product_id) - 1 AS product_index
FROM edges e
JOIN candidate_groups USING (shop_id, group_id)
JOIN candidate_shops USING (shop_id)
JOIN popularity p USING (shop_id, product_id)
ORDER BY e.shop_id
