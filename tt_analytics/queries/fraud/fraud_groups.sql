-- name: fraud/fraud_groups
-- Buyer-group roll-up (extra output table): one row per (shop, buyer group) with at least one
-- suspected order: the group's accounts and shared identifiers in the shop, its orders, suspected
-- orders, highest score, signals and a one-line summary.
-- Rule IDs: FT-BULK (buyer groups), and every FT-* signal of their orders.
WITH flagged AS (
    SELECT shop_id, group_id,
           COUNT(*) FILTER (WHERE suspected) AS suspected_orders,
           MAX(score) AS max_score,
           list_sort(list_distinct(flatten(list(signals)))) AS signals,
           arg_max(explanation, score) AS top_explanation
    FROM fake_transactions
    GROUP BY shop_id, group_id
    HAVING COUNT(*) FILTER (WHERE suspected) > 0
),
-- counted for the flagged groups only (a few thousand of the shop-group pairs)
group_orders AS (
    SELECT o.shop_id, o.group_id,
           COUNT(*) AS orders,
           COUNT(DISTINCT o.buyer_id) AS accounts,
           COUNT(DISTINCT o.ship_to_address_hash) AS addresses,
           COUNT(DISTINCT o.buyer_phone_hash) AS phones,
           COUNT(DISTINCT o.buyer_device_hash) AS devices,
           MIN(o.created_at) AS first_order_at, MAX(o.created_at) AS last_order_at
    FROM fraud_orders o
    SEMI JOIN flagged f ON f.shop_id = o.shop_id AND f.group_id = o.group_id
    GROUP BY o.shop_id, o.group_id
)
SELECT f.shop_id, f.group_id, g.accounts, g.addresses, g.phones, g.devices, g.orders,
       f.suspected_orders, f.max_score, f.signals,
       CAST(g.orders AS VARCHAR) || CASE WHEN g.orders = 1 THEN ' order' ELSE ' orders' END || ' in '
           || CAST(greatest(1, CAST(ceil(date_diff('hour', g.first_order_at, g.last_order_at) / 24.0) AS BIGINT)) AS VARCHAR) || CASE WHEN greatest(1, CAST(ceil(date_diff('hour', g.first_order_at, g.last_order_at) / 24.0) AS BIGINT)) = 1 THEN ' day' ELSE ' days' END
           || ' from ' || CAST(g.accounts AS VARCHAR) || CASE WHEN g.accounts = 1 THEN ' account' ELSE ' accounts' END || ' sharing '
           || CAST(g.addresses AS VARCHAR) || CASE WHEN g.addresses = 1 THEN ' address,' ELSE ' addresses,' END || ' ' || CAST(g.phones AS VARCHAR) || CASE WHEN g.phones = 1 THEN ' phone' ELSE ' phones' END || ' and '
           || CAST(g.devices AS VARCHAR) || CASE WHEN g.devices = 1 THEN ' device' ELSE ' devices' END || '; ' || f.top_explanation AS explanation
FROM flagged f
JOIN group_orders g USING (shop_id, group_id)
ORDER BY f.suspected_orders DESC, f.shop_id, f.group_id
