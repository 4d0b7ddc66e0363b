-- name: fraud/dense_block_hits
-- FT-BULK (dense blocks): the orders inside the dense buyer-group x product blocks FRAUDAR found
-- (`fraud_block_cells`: one row per (shop, block, group, product) cell, filled by fraudar.py):
-- every order of a block's group on one of the block's products, with the block's evidence.
-- Rule ID: FT-BULK (004 §2.1 "团伙买家…从特定卖家处购买大量相同或类似商品"; Hooi et al., FRAUDAR, KDD 2016).
WITH block_orders AS (
    SELECT DISTINCT c.shop_id, c.block, p.order_id, p.buyer_id, p.created_at
    FROM fraud_block_cells c
    JOIN fraud_order_products p ON p.shop_id = c.shop_id AND p.group_id = c.group_id AND p.product_id = c.product_id
),
block_stats AS (
    SELECT b.shop_id, b.block, COUNT(DISTINCT b.order_id) AS n_orders, COUNT(DISTINCT b.buyer_id) AS n_accounts,
           greatest(1, CAST(ceil(date_diff('hour', MIN(b.created_at), MAX(b.created_at)) / 24.0) AS BIGINT)) AS n_days,
           any_value(c.n_groups) AS n_groups, any_value(c.n_products) AS n_products, any_value(c.density) AS density
    FROM block_orders b JOIN fraud_block_cells c USING (shop_id, block)
    GROUP BY b.shop_id, b.block
)
SELECT b.order_id, b.shop_id, 'FT-BULK' AS signal, 'dense_block' AS check_name,
       CAST($weight AS DOUBLE) AS weight,
       'dense block: ' || CAST(s.n_orders AS VARCHAR) || ' orders in ' || CAST(s.n_days AS VARCHAR)
           || ' days from ' || CAST(s.n_accounts AS VARCHAR) || ' accounts (' || CAST(s.n_groups AS VARCHAR)
           || ' buyer groups) on the same ' || CAST(s.n_products AS VARCHAR) || ' products (density '
           || CAST(s.density AS VARCHAR) || ')' AS evidence
FROM block_orders b JOIN block_stats s USING (shop_id, block)
