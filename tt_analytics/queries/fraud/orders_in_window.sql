-- name: fraud/orders_in_window
-- The orders fake-transaction detection looks at: created in the `window_days` days up to the
-- as-of date (UTC). Every FT-* query reads this (materialised once as the temp table `fraud_orders`).
-- Rule IDs: FT-SELF, FT-LOGISTICS, FT-TRACKING, FT-BULK, FT-REVIEW (scope only).
SELECT *
FROM orders
WHERE created_at >= CAST($window_start AS TIMESTAMPTZ)
  AND created_at < CAST($window_end AS TIMESTAMPTZ)
