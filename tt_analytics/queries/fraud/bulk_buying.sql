-- name: fraud/bulk_buying
-- FT-BULK (bulk buying): a buyer group (accounts linked by a shared address, phone or device;
-- `fraud_buyer_groups`) buying the same product from one shop far more often or in larger
-- quantities than the shop's normal buyer groups. Scopes: every (shop, group, product), with
-- bursts of `burst_days`; and, for "similar" products, every (shop, group) over all the shop's
-- products (product '*'), with bursts of `any_product_burst_days`, counted only for groups of at
-- least `any_product_min_accounts` linked accounts (one account buying several of a shop's products
-- is a customer; linked accounts doing so are a gang spreading its orders).
-- A burst starts at an order when the orders (or units) of the next burst window reach
-- `min_orders` (`min_units`) and lie `robust_z` above the shop's normal groups at the same scope:
-- robust z = (x - median) / (1.4826 * MAD), MAD floored at `mad_floor`, over every group's peak.
-- The orders inside such bursts are flagged, not the group's other orders.
-- Rule ID: FT-BULK (004 §2.1 "单个或团伙买家经常从特定卖家处购买大量相同或类似商品").
WITH product_lines AS (
    SELECT o.order_id, o.shop_id, g.group_id, o.buyer_id, o.created_at, l.product_id,
           SUM(l.quantity) AS units
    FROM fraud_orders o
    JOIN order_lines l ON l.order_id = o.order_id
    JOIN fraud_buyer_groups g ON g.buyer_id = o.buyer_id
    WHERE o.cancelled_at IS NULL OR o.shipped_at IS NOT NULL
    GROUP BY ALL
),
lines AS (
    SELECT * FROM product_lines
    UNION ALL
    SELECT order_id, shop_id, group_id, buyer_id, created_at, '*' AS product_id, SUM(units) AS units
    FROM product_lines
    GROUP BY ALL
),
pair_totals AS (
    SELECT shop_id, group_id, product_id, COUNT(*) AS n_lines, MAX(units) AS max_units,
           COUNT(DISTINCT buyer_id) AS accounts
    FROM lines
    GROUP BY shop_id, group_id, product_id
),
-- only pairs with several orders need sliding windows (one order: its burst is itself)
multi AS (
    SELECT l.*, t.accounts
    FROM lines l
    JOIN pair_totals t USING (shop_id, group_id, product_id)
    WHERE t.n_lines > 1
),
bursts AS (  -- one window specification per scope, so each row is sorted once
    SELECT *, COUNT(*) OVER w AS orders_in_burst, SUM(units) OVER w AS units_in_burst
    FROM multi
    WHERE product_id <> '*'
    WINDOW w AS (PARTITION BY shop_id, group_id, product_id ORDER BY created_at
                 RANGE BETWEEN CURRENT ROW AND to_days(CAST($burst_days AS BIGINT)) FOLLOWING)
    UNION ALL
    SELECT *, COUNT(*) OVER w AS orders_in_burst, SUM(units) OVER w AS units_in_burst
    FROM multi
    WHERE product_id = '*'
    WINDOW w AS (PARTITION BY shop_id, group_id, product_id ORDER BY created_at
                 RANGE BETWEEN CURRENT ROW AND to_days(CAST($any_product_burst_days AS BIGINT)) FOLLOWING)
),
singles AS (
    SELECT l.*, t.accounts, 1 AS orders_in_burst, l.units AS units_in_burst
    FROM lines l
    JOIN pair_totals t USING (shop_id, group_id, product_id)
    WHERE t.n_lines = 1
),
windows AS (
    SELECT * FROM bursts
    UNION ALL
    SELECT * FROM singles
),
shop_norm AS (
    SELECT shop_id, product_id = '*' AS any_product,
           median(peak_orders) AS median_orders,
           greatest(mad(peak_orders), CAST($mad_floor AS DOUBLE)) AS mad_orders,
           median(peak_units) AS median_units,
           greatest(mad(peak_units), CAST($mad_floor AS DOUBLE)) AS mad_units
    FROM (SELECT shop_id, group_id, product_id, MAX(orders_in_burst) AS peak_orders,
                 MAX(units_in_burst) AS peak_units
          FROM windows GROUP BY shop_id, group_id, product_id)
    GROUP BY shop_id, product_id = '*'
),
starts AS (
    SELECT w.*, n.median_orders, n.median_units,
           (w.product_id <> '*' OR w.accounts >= CAST($any_product_min_accounts AS BIGINT))
           AND ((w.orders_in_burst >= CAST($min_orders AS BIGINT)
                 AND (w.orders_in_burst - n.median_orders) / (1.4826 * n.mad_orders) >= CAST($robust_z AS DOUBLE))
             OR (w.units_in_burst >= CAST($min_units AS BIGINT)
                 AND (w.units_in_burst - n.median_units) / (1.4826 * n.mad_units) >= CAST($robust_z AS DOUBLE)))
               AS starts_burst
    FROM windows w
    JOIN shop_norm n ON n.shop_id = w.shop_id AND n.any_product = (w.product_id = '*')
),
-- an order is in a burst when a burst started at most one window length before it (only pairs
-- with a burst start need this second window)
burst_pairs AS (
    SELECT DISTINCT shop_id, group_id, product_id FROM starts WHERE starts_burst
),
candidates AS (
    SELECT s.* FROM starts s SEMI JOIN burst_pairs USING (shop_id, group_id, product_id)
),
in_burst AS (
    SELECT *, bool_or(starts_burst) OVER w AS flagged
    FROM candidates
    WHERE product_id <> '*'
    WINDOW w AS (PARTITION BY shop_id, group_id, product_id ORDER BY created_at
                 RANGE BETWEEN to_days(CAST($burst_days AS BIGINT)) PRECEDING AND CURRENT ROW)
    UNION ALL
    SELECT *, bool_or(starts_burst) OVER w AS flagged
    FROM candidates
    WHERE product_id = '*'
    WINDOW w AS (PARTITION BY shop_id, group_id, product_id ORDER BY created_at
                 RANGE BETWEEN to_days(CAST($any_product_burst_days AS BIGINT)) PRECEDING AND CURRENT ROW)
),
flagged_lines AS (
    SELECT * FROM in_burst WHERE flagged
),
pair_evidence AS (
    SELECT f.shop_id, f.group_id, f.product_id,
           COUNT(DISTINCT f.order_id) AS n_orders, SUM(f.units) AS n_units,
           COUNT(DISTINCT p.product_id) AS n_products,
           COUNT(DISTINCT f.buyer_id) AS n_accounts,
           COUNT(DISTINCT o.ship_to_address_hash) AS n_addresses,
           COUNT(DISTINCT o.buyer_phone_hash) AS n_phones,
           COUNT(DISTINCT o.buyer_device_hash) AS n_devices,
           greatest(1, CAST(ceil(date_diff('hour', MIN(f.created_at), MAX(f.created_at)) / 24.0) AS BIGINT)) AS n_days,
           any_value(f.median_orders) AS median_orders, any_value(f.median_units) AS median_units
    FROM flagged_lines f
    JOIN fraud_orders o ON o.order_id = f.order_id
    LEFT JOIN product_lines p ON f.product_id = '*' AND p.order_id = f.order_id
    GROUP BY f.shop_id, f.group_id, f.product_id
),
best AS (  -- one piece of evidence per order: a single product beats "any product"
    SELECT f.order_id, f.shop_id, arg_max(f.product_id, (f.product_id <> '*', e.n_orders)) AS product_id,
           any_value(f.group_id) AS group_id
    FROM flagged_lines f
    JOIN pair_evidence e USING (shop_id, group_id, product_id)
    GROUP BY f.order_id, f.shop_id
)
SELECT b.order_id, b.shop_id, 'FT-BULK' AS signal, 'bulk_buying' AS check_name,
       CAST($weight AS DOUBLE) AS weight,
       CAST(e.n_orders AS VARCHAR) || CASE WHEN e.n_orders = 1 THEN ' order' ELSE ' orders' END || ' (' || CAST(e.n_units AS VARCHAR) || CASE WHEN e.n_units = 1 THEN ' unit' ELSE ' units' END || ') of '
           || CASE WHEN e.product_id = '*' THEN CAST(e.n_products AS VARCHAR) || ' of the shop''s products'
                   ELSE 'product ' || e.product_id END || ' in ' || CAST(e.n_days AS VARCHAR) || CASE WHEN e.n_days = 1 THEN ' day' ELSE ' days' END || ' from '
           || CASE WHEN e.n_accounts = 1 THEN 'one account'
                   ELSE CAST(e.n_accounts AS VARCHAR) || ' accounts sharing ' || CAST(e.n_addresses AS VARCHAR) || CASE WHEN e.n_addresses = 1 THEN ' address,' ELSE ' addresses,' END
                        || ' ' || CAST(e.n_phones AS VARCHAR) || CASE WHEN e.n_phones = 1 THEN ' phone' ELSE ' phones' END || ' and '
                        || CAST(e.n_devices AS VARCHAR) || CASE WHEN e.n_devices = 1 THEN ' device' ELSE ' devices' END END
           || ' (the shop''s usual buyer: ' || CAST(round(e.median_orders, 1) AS VARCHAR) || ' order, '
           || CAST(round(e.median_units, 1) AS VARCHAR) || ' units)' AS evidence,
       b.group_id
FROM best b
JOIN pair_evidence e USING (shop_id, group_id, product_id)
