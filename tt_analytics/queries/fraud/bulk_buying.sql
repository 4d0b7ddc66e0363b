-- name: fraud/bulk_buying
-- FT-BULK (bulk buying): a buyer group (accounts linked by a shared address, phone or device;
-- `group_id` of fraud_orders) buying the same product from one shop far more often or in larger
-- quantities than the shop's normal buyer groups. Scopes: every (shop, group, product), with
-- bursts of `burst_days`; and, for "similar" products, every (shop, group) over all the shop's
-- products (product '*'), with bursts of `any_product_burst_days`, counted only for groups of at
-- least `any_product_min_accounts` linked accounts (one account buying several of a shop's products
-- is a customer; linked accounts doing so are a gang spreading its orders).
-- A burst starts at an order when the orders (or units) of the next burst window reach
-- `min_orders` (`min_units`) and lie `robust_z` above the shop's normal groups at the same scope:
-- robust z = (x - median) / (1.4826 * MAD), MAD floored at `mad_floor`, over every group's peak
-- (its most orders / units in one burst window).
-- The orders inside such bursts are flagged, not the group's other orders.
-- Rule ID: FT-BULK (004 §2.1 "单个或团伙买家经常从特定卖家处购买大量相同或类似商品").
--
-- Cost: one aggregate over every (shop, group, product) pair gives each pair's orders, units and
-- first and last order (fraud_group_products for single products, made once for this check and
-- FRAUDAR). Sliding windows run only where a pair's peak is not known from that:
-- pairs with several orders spread over more than one window, and the few pairs that could start a
-- burst at all (>= `min_orders` orders or >= `min_units` units in total). A pair whose orders all
-- fall in one window has its totals as its peak. Nearly every pair has a single line (21M pairs
-- of 21M lines at 10M orders), so the pairs are not copied again: they are folded at
-- once into `pair_summary`, one row per pair that needs windows or can burst and one counted row
-- per (shop, scope, orders, units) for all the others; the shop's median and MAD are taken from
-- that histogram of peaks (a few distinct values per shop) instead of sorting every pair. Only the
-- per-order totals of the any-product scope are materialised, not every line (a materialised
-- line list and pair list made this query spill at 10M under the evaluation's memory cap). The
-- lines carry no account (a string in every aggregate and copy): only the few lines that can
-- start a burst look it up in fraud_orders.
WITH order_units AS MATERIALIZED (  -- any-product scope: one line per order
    SELECT order_id, shop_id, group_id, created_at, SUM(units) AS units
    FROM fraud_order_products
    WHERE counted
    GROUP BY order_id, shop_id, group_id, created_at
),
lines AS NOT MATERIALIZED (  -- re-read where needed: a scan, or a semi-join to a few pairs
    SELECT order_id, shop_id, group_id, created_at, product_id, units
    FROM fraud_order_products
    WHERE counted
    UNION ALL
    SELECT order_id, shop_id, group_id, created_at, '*' AS product_id, units
    FROM order_units
),
-- the product scope's pairs come aggregated (fraud_group_products, shared with FRAUDAR's edges);
-- the any-product scope's are aggregated here from one line per order
pairs AS (
    SELECT shop_id, group_id, product_id, n_lines, total_units,
           -- spread: lines further apart than one window (in seconds, with a second's margin: a
           -- pair called spread by the margin only gets its exact peak from the window below)
           epoch(last_at) - epoch(first_at) > 86400 * CAST($burst_days AS BIGINT) - 1 AS spread,
           n_lines >= CAST($min_orders AS BIGINT) OR total_units >= CAST($min_units AS BIGINT) AS can_burst
    FROM fraud_group_products
    WHERE n_lines > 0
    UNION ALL
    SELECT shop_id, group_id, '*', COUNT(*), SUM(units),
           epoch(MAX(created_at)) - epoch(MIN(created_at)) > 86400 * CAST($any_product_burst_days AS BIGINT) - 1,
           COUNT(*) >= CAST($min_orders AS BIGINT) OR SUM(units) >= CAST($min_units AS BIGINT)
    FROM order_units
    GROUP BY shop_id, group_id
),
-- `special`: the pair needs sliding windows (several lines, spread or able to burst) or can burst;
-- it keeps its own row. Every other pair has its totals as its peak and is only counted (c).
pair_summary AS MATERIALIZED (
    SELECT shop_id, product_id = '*' AS any_product,
           CASE WHEN special THEN group_id END AS group_id,
           CASE WHEN special THEN product_id END AS product_id,
           n_lines, total_units, spread, can_burst, special, COUNT(*) AS c
    FROM (SELECT *, can_burst OR (n_lines > 1 AND spread) AS special FROM pairs)
    GROUP BY ALL
),
-- the lines of the pairs whose windows are needed (several lines, and spread or able to burst)
windowed_lines AS (
    SELECT l.*
    FROM lines l
    SEMI JOIN (SELECT shop_id, group_id, product_id FROM pair_summary
               WHERE special AND n_lines > 1 AND (spread OR can_burst)) p
         USING (shop_id, group_id, product_id)
),
windows AS (  -- one window specification per scope, so each row is sorted once
    SELECT *, COUNT(*) OVER w AS orders_in_burst, SUM(units) OVER w AS units_in_burst
    FROM windowed_lines
    WHERE product_id <> '*'
    WINDOW w AS (PARTITION BY shop_id, group_id, product_id ORDER BY created_at
                 RANGE BETWEEN CURRENT ROW AND to_days(CAST($burst_days AS BIGINT)) FOLLOWING)
    UNION ALL
    SELECT *, COUNT(*) OVER w AS orders_in_burst, SUM(units) OVER w AS units_in_burst
    FROM windowed_lines
    WHERE product_id = '*'
    WINDOW w AS (PARTITION BY shop_id, group_id, product_id ORDER BY created_at
                 RANGE BETWEEN CURRENT ROW AND to_days(CAST($any_product_burst_days AS BIGINT)) FOLLOWING)
),
-- every pair's peak (c pairs with that peak): its totals unless its lines are spread over more
-- than one window
peaks AS (
    SELECT shop_id, any_product, n_lines AS peak_orders, total_units AS peak_units, c
    FROM pair_summary
    WHERE n_lines = 1 OR NOT spread
    UNION ALL
    SELECT shop_id, product_id = '*', MAX(orders_in_burst), MAX(units_in_burst), 1
    FROM windows
    SEMI JOIN (SELECT shop_id, group_id, product_id FROM pair_summary WHERE special AND n_lines > 1 AND spread) p
         USING (shop_id, group_id, product_id)
    GROUP BY shop_id, group_id, product_id
),
-- median and MAD per (shop, scope) from the histogram of peak values: the k-th smallest peak is
-- the value whose cumulative count covers position k (0-based); the median averages positions
-- floor((n-1)/2) and ceil((n-1)/2), as median() does
histogram AS (
    SELECT shop_id, any_product, 'orders' AS metric, peak_orders AS v, SUM(c) AS c
    FROM peaks GROUP BY shop_id, any_product, peak_orders
    UNION ALL
    SELECT shop_id, any_product, 'units', peak_units, SUM(c)
    FROM peaks GROUP BY shop_id, any_product, peak_units
),
ranked AS (
    SELECT shop_id, any_product, metric, v, c,
           SUM(c) OVER (PARTITION BY shop_id, any_product, metric ORDER BY v
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - c AS below,
           SUM(c) OVER (PARTITION BY shop_id, any_product, metric) AS n
    FROM histogram
),
medians AS (
    SELECT shop_id, any_product, metric,
           (MIN(CASE WHEN below <= floor((n - 1) / 2.0) AND floor((n - 1) / 2.0) < below + c THEN v END)
            + MIN(CASE WHEN below <= ceil((n - 1) / 2.0) AND ceil((n - 1) / 2.0) < below + c THEN v END)) / 2.0 AS median
    FROM ranked
    GROUP BY shop_id, any_product, metric
),
deviations AS (
    SELECT h.shop_id, h.any_product, h.metric, abs(h.v - m.median) AS v, SUM(h.c) AS c
    FROM histogram h
    JOIN medians m USING (shop_id, any_product, metric)
    GROUP BY h.shop_id, h.any_product, h.metric, abs(h.v - m.median)
),
ranked_deviations AS (
    SELECT shop_id, any_product, metric, v, c,
           SUM(c) OVER (PARTITION BY shop_id, any_product, metric ORDER BY v
                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - c AS below,
           SUM(c) OVER (PARTITION BY shop_id, any_product, metric) AS n
    FROM deviations
),
mads AS (
    SELECT shop_id, any_product, metric,
           (MIN(CASE WHEN below <= floor((n - 1) / 2.0) AND floor((n - 1) / 2.0) < below + c THEN v END)
            + MIN(CASE WHEN below <= ceil((n - 1) / 2.0) AND ceil((n - 1) / 2.0) < below + c THEN v END)) / 2.0 AS mad
    FROM ranked_deviations
    GROUP BY shop_id, any_product, metric
),
shop_norm AS (
    SELECT m.shop_id, m.any_product,
           MAX(CASE WHEN m.metric = 'orders' THEN m.median END) AS median_orders,
           greatest(MAX(CASE WHEN m.metric = 'orders' THEN d.mad END), CAST($mad_floor AS DOUBLE)) AS mad_orders,
           MAX(CASE WHEN m.metric = 'units' THEN m.median END) AS median_units,
           greatest(MAX(CASE WHEN m.metric = 'units' THEN d.mad END), CAST($mad_floor AS DOUBLE)) AS mad_units
    FROM medians m
    JOIN mads d USING (shop_id, any_product, metric)
    GROUP BY m.shop_id, m.any_product
),
-- burst starts can only be in pairs that reach min_orders or min_units in total
burst_lines AS (
    SELECT w.order_id, w.shop_id, w.group_id, w.created_at, w.product_id, w.units,
           w.orders_in_burst, w.units_in_burst
    FROM windows w
    SEMI JOIN (SELECT shop_id, group_id, product_id FROM pair_summary WHERE can_burst) p
         USING (shop_id, group_id, product_id)
    UNION ALL
    SELECT l.order_id, l.shop_id, l.group_id, l.created_at, l.product_id, l.units, 1, l.units
    FROM lines l
    SEMI JOIN (SELECT shop_id, group_id, product_id FROM pair_summary WHERE can_burst AND n_lines = 1) p
         USING (shop_id, group_id, product_id)
),
burst_accounts AS (  -- the lines carry no account: looked up for these few only
    SELECT b.shop_id, b.group_id, b.product_id, COUNT(DISTINCT o.buyer_id) AS accounts
    FROM burst_lines b
    JOIN fraud_orders o ON o.order_id = b.order_id
    GROUP BY b.shop_id, b.group_id, b.product_id
),
starts AS (
    SELECT w.*, n.median_orders, n.median_units,
           (w.product_id <> '*' OR a.accounts >= CAST($any_product_min_accounts AS BIGINT))
           AND ((w.orders_in_burst >= CAST($min_orders AS BIGINT)
                 AND (w.orders_in_burst - n.median_orders) / (1.4826 * n.mad_orders) >= CAST($robust_z AS DOUBLE))
             OR (w.units_in_burst >= CAST($min_units AS BIGINT)
                 AND (w.units_in_burst - n.median_units) / (1.4826 * n.mad_units) >= CAST($robust_z AS DOUBLE)))
               AS starts_burst
    FROM burst_lines w
    JOIN burst_accounts a USING (shop_id, group_id, product_id)
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
           COUNT(DISTINCT o.buyer_id) AS n_accounts,
           COUNT(DISTINCT o.ship_to_address_hash) AS n_addresses,
           COUNT(DISTINCT o.buyer_phone_hash) AS n_phones,
           COUNT(DISTINCT o.buyer_device_hash) AS n_devices,
           greatest(1, CAST(ceil(date_diff('hour', MIN(f.created_at), MAX(f.created_at)) / 24.0) AS BIGINT)) AS n_days,
           any_value(f.median_orders) AS median_orders, any_value(f.median_units) AS median_units
    FROM flagged_lines f
    JOIN fraud_orders o ON o.order_id = f.order_id
    LEFT JOIN fraud_order_products p ON f.product_id = '*' AND p.order_id = f.order_id AND p.counted
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
