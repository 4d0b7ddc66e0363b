-- name: fraud/bulk_buying
-- FT-BULK (bulk buying): a buyer group (accounts linked by a shared address, phone or device;
-- `fraud_buyer_groups`) buying the same product from one shop far more often or in larger
-- quantities than the shop's normal buyer groups. For every (shop, group, product) the peak number
-- of orders and units within any `burst_days` window is compared with the shop's median over all
-- its (group, product) pairs by a robust z-score ((x - median) / (1.4826 * MAD), MAD floored).
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
    SELECT shop_id, group_id, product_id, COUNT(*) AS n_lines, SUM(units) AS total_units,
           COUNT(DISTINCT buyer_id) AS accounts
    FROM lines
    GROUP BY shop_id, group_id, product_id
),
-- only pairs with several orders need the sliding window (one order: its peak is itself)
bursts AS (
    SELECT l.shop_id, l.group_id, l.product_id,
           COUNT(*) OVER w AS orders_in_burst,
           SUM(l.units) OVER w AS units_in_burst
    FROM lines l
    SEMI JOIN (SELECT shop_id, group_id, product_id FROM pair_totals WHERE n_lines > 1) m
        USING (shop_id, group_id, product_id)
    WINDOW w AS (PARTITION BY l.shop_id, l.group_id, l.product_id ORDER BY l.created_at
                 RANGE BETWEEN CURRENT ROW AND to_days(CAST($burst_days AS BIGINT)) FOLLOWING)
),
peaks AS (
    SELECT shop_id, group_id, product_id,
           MAX(orders_in_burst) AS peak_orders, MAX(units_in_burst) AS peak_units
    FROM bursts
    GROUP BY shop_id, group_id, product_id
),
pairs AS (
    SELECT t.shop_id, t.group_id, t.product_id, t.accounts,
           COALESCE(k.peak_orders, t.n_lines) AS peak_orders,
           COALESCE(k.peak_units, t.total_units) AS peak_units
    FROM pair_totals t
    LEFT JOIN peaks k USING (shop_id, group_id, product_id)
),
shop_norm AS (
    SELECT shop_id, product_id = '*' AS any_product,
           median(peak_orders) AS median_orders,
           greatest(mad(peak_orders), CAST($mad_floor AS DOUBLE)) AS mad_orders,
           median(peak_units) AS median_units,
           greatest(mad(peak_units), CAST($mad_floor AS DOUBLE)) AS mad_units
    FROM pairs
    GROUP BY shop_id, product_id = '*'
),
bulk_pairs AS (
    SELECT p.*, n.median_orders, n.median_units
    FROM pairs p
    JOIN shop_norm n ON n.shop_id = p.shop_id AND n.any_product = (p.product_id = '*')
    WHERE (p.product_id <> '*' OR p.accounts >= CAST($any_product_min_accounts AS BIGINT))
      AND ((p.peak_orders >= CAST($min_orders AS BIGINT)
           AND (p.peak_orders - n.median_orders) / (1.4826 * n.mad_orders) >= CAST($robust_z AS DOUBLE))
       OR (p.peak_units >= CAST($min_units AS BIGINT)
           AND (p.peak_units - n.median_units) / (1.4826 * n.mad_units) >= CAST($robust_z AS DOUBLE)))
),
pair_evidence AS (
    SELECT b.shop_id, b.group_id, b.product_id,
           COUNT(DISTINCT l.order_id) AS n_orders, SUM(l.units) AS n_units,
           COUNT(DISTINCT p.product_id) AS n_products,
           COUNT(DISTINCT l.buyer_id) AS n_accounts,
           COUNT(DISTINCT o.ship_to_address_hash) AS n_addresses,
           COUNT(DISTINCT o.buyer_phone_hash) AS n_phones,
           COUNT(DISTINCT o.buyer_device_hash) AS n_devices,
           greatest(1, CAST(ceil(date_diff('hour', MIN(l.created_at), MAX(l.created_at)) / 24.0) AS BIGINT)) AS n_days,
           any_value(b.peak_orders) AS peak_orders, any_value(b.median_orders) AS median_orders,
           any_value(b.median_units) AS median_units
    FROM bulk_pairs b
    JOIN lines l USING (shop_id, group_id, product_id)
    JOIN fraud_orders o ON o.order_id = l.order_id
    LEFT JOIN product_lines p ON b.product_id = '*' AND p.order_id = l.order_id
    GROUP BY b.shop_id, b.group_id, b.product_id
),
best AS (  -- one piece of evidence per order: a single product beats "any product"
    SELECT l.order_id, l.shop_id, arg_max(e.product_id, (e.product_id <> '*', e.n_orders)) AS product_id,
           any_value(e.group_id) AS group_id
    FROM lines l
    JOIN pair_evidence e USING (shop_id, group_id, product_id)
    GROUP BY l.order_id, l.shop_id
)
SELECT l.order_id, l.shop_id, 'FT-BULK' AS signal, 'bulk_buying' AS check_name,
       CAST($weight AS DOUBLE) AS weight,
       CAST(e.n_orders AS VARCHAR) || ' orders (' || CAST(e.n_units AS VARCHAR) || ' units) of '
           || CASE WHEN e.product_id = '*' THEN CAST(e.n_products AS VARCHAR) || ' of the shop''s products'
                   ELSE 'product ' || e.product_id END || ' in ' || CAST(e.n_days AS VARCHAR) || ' days from '
           || CASE WHEN e.n_accounts = 1 THEN 'one account'
                   ELSE CAST(e.n_accounts AS VARCHAR) || ' accounts sharing ' || CAST(e.n_addresses AS VARCHAR)
                        || ' addresses, ' || CAST(e.n_phones AS VARCHAR) || ' phones and '
                        || CAST(e.n_devices AS VARCHAR) || ' devices' END
           || ' (the shop''s usual buyer: ' || CAST(round(e.median_orders, 1) AS VARCHAR) || ' order, '
           || CAST(round(e.median_units, 1) AS VARCHAR) || ' units)' AS evidence,
       e.group_id
FROM best l
JOIN pair_evidence e USING (shop_id, group_id, product_id)
