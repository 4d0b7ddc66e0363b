-- name: fraud/dense_block_edges
-- The candidate buyer-group x product graph of each shop for FRAUDAR: one row per (shop, buyer
-- group, product) bought, with the product's number of buyer groups in the whole shop (its
-- popularity, for the 1 / log(x + c) column weight). Only groups with at least
-- `min_products_per_group` distinct products in the shop, in shops with at least `min_groups`
-- such groups, are candidates: a group that bought one product cannot be part of a block.
-- Rule ID: FT-BULK (dense blocks; Hooi et al., FRAUDAR, KDD 2016).
WITH edges AS (
    SELECT DISTINCT o.shop_id, g.group_id, l.product_id
    FROM fraud_orders o
    JOIN order_lines l ON l.order_id = o.order_id
    JOIN fraud_buyer_groups g ON g.buyer_id = o.buyer_id
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
SELECT e.shop_id, e.group_id, e.product_id, p.product_groups
FROM edges e
JOIN candidate_groups USING (shop_id, group_id)
JOIN candidate_shops USING (shop_id)
JOIN popularity p USING (shop_id, product_id)
ORDER BY e.shop_id
