-- name: fraud/orders_in_window
-- The orders fake-transaction detection looks at: created in the `window_days` days up to the
-- as-of date (UTC), with their line totals. Every FT-* query reads this (as `fraud_orders`).
-- Rule IDs: FT-SELF, FT-LOGISTICS, FT-TRACKING, FT-BULK, FT-REVIEW (scope only).
WITH line_totals AS (
    SELECT order_id, SUM(quantity) AS units, COUNT(DISTINCT product_id) AS n_products
    FROM order_lines
    GROUP BY order_id
)
SELECT o.*, COALESCE(l.units, 0) AS units, COALESCE(l.n_products, 0) AS n_products
FROM orders o
LEFT JOIN line_totals l USING (order_id)
WHERE o.created_at >= CAST($window_start AS TIMESTAMPTZ)
  AND o.created_at < CAST($window_end AS TIMESTAMPTZ)
