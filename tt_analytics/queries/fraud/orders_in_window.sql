-- name: fraud/orders_in_window
-- The orders fake-transaction detection looks at: created in the `window_days` days up to the
-- as-of date (UTC), with the columns the FT-* queries read and each order's buyer group, joined
-- once here instead of in every query: fraud_buyer_groups holds the accounts linked to another
-- account; any other buyer is a group of its own (group_id = buyer_id). Every FT-* query reads
-- this (materialised once as the temp table `fraud_orders`).
-- Large exports are examined in passes over disjoint sets of shops (fraud.prepare_pass filters
-- this query by hash(shop_id)): every FT-* check is within one shop, so a pass sees all it needs.
-- Rule IDs: FT-SELF, FT-LOGISTICS, FT-TRACKING, FT-BULK, FT-REVIEW (scope only).
SELECT o.order_id, o.shop_id, o.buyer_id, COALESCE(g.group_id, o.buyer_id) AS group_id, o.created_at, o.shipped_at, o.cancelled_at,
       o.amount, o.tracking_number, o.carrier, o.ship_from_zip, o.ship_to_zip,
       o.ship_to_address_hash, o.buyer_phone_hash, o.buyer_device_hash
FROM orders o
LEFT JOIN fraud_buyer_groups g ON g.buyer_id = o.buyer_id
WHERE o.created_at >= CAST($window_start AS TIMESTAMPTZ)
  AND o.created_at < CAST($window_end AS TIMESTAMPTZ)
