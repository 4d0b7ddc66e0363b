-- name: fraud/group_products
-- One row per (shop, buyer group, product) of the examined orders: its counted lines (orders not
-- cancelled before shipping), their units and first and last order time. Materialised as the temp
-- table `fraud_group_products` for the two checks that start from this grouping: bulk buying (each
-- pair's totals, product scope) and FRAUDAR's candidate edges (every pair, counted or not). One
-- aggregate over fraud_order_products instead of one in each (~12M pairs at 10M orders).
-- Rule ID: FT-BULK (input).
SELECT shop_id, group_id, product_id,
       COUNT(*) FILTER (WHERE counted) AS n_lines,
       SUM(units) FILTER (WHERE counted) AS total_units,
       MIN(created_at) FILTER (WHERE counted) AS first_at,
       MAX(created_at) FILTER (WHERE counted) AS last_at
FROM fraud_order_products
GROUP BY shop_id, group_id, product_id
