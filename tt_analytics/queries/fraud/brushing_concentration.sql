-- name: fraud/brushing_concentration
-- FT-BULK (order brushing, the industry concentration rule): a shop's orders / unique buyers in
-- any `window_minutes` window >= `concentration`. Buyers are counted as buyer groups
-- (fraud_buyer_groups: accounts sharing an address, phone or device count once). Only a group
-- with >= `concentration` orders in one window can make a window reach it, so such group windows
-- are the candidates; each candidate window is then measured over all the shop's orders. The
-- brushers are the groups with at least `concentration` orders in a brushing window; their orders
-- in it are flagged.
-- Rule ID: FT-BULK (004 §2.1 "单个或团伙买家经常从特定卖家处购买…"; "其他旨在改善销售表现…的不合理行为").
WITH grouped AS (
    SELECT order_id, shop_id, group_id AS buyer_id, buyer_id AS account_id, created_at
    FROM fraud_orders
),
-- only a group with >= `concentration` orders in the shop can fill a window: the sliding window
-- runs over those groups' orders only (most groups order once or twice per shop)
busy_groups AS (
    SELECT shop_id, buyer_id FROM grouped
    GROUP BY shop_id, buyer_id
    HAVING COUNT(*) >= CAST($concentration AS DOUBLE)
),
buyer_windows AS (
    SELECT order_id, shop_id, buyer_id, created_at AS window_start,
           COUNT(*) OVER (PARTITION BY shop_id, buyer_id ORDER BY created_at
                          RANGE BETWEEN CURRENT ROW AND to_minutes(CAST($window_minutes AS BIGINT)) FOLLOWING)
               AS buyer_orders
    FROM grouped
    SEMI JOIN busy_groups USING (shop_id, buyer_id)
),
candidates AS (
    SELECT DISTINCT shop_id, window_start FROM buyer_windows
    WHERE buyer_orders >= CAST($concentration AS DOUBLE)
),
window_orders AS (
    SELECT c.shop_id, c.window_start, o.order_id, o.buyer_id, o.account_id, o.created_at
    FROM candidates c
    JOIN grouped o ON o.shop_id = c.shop_id
     AND o.created_at >= c.window_start
     AND o.created_at <= c.window_start + to_minutes(CAST($window_minutes AS BIGINT))
),
brushing_windows AS (
    SELECT shop_id, window_start, COUNT(*) AS n_orders, COUNT(DISTINCT buyer_id) AS n_buyers
    FROM window_orders
    GROUP BY shop_id, window_start
    HAVING COUNT(*) / COUNT(DISTINCT buyer_id) >= CAST($concentration AS DOUBLE)
),
brushers AS (
    SELECT w.shop_id, w.window_start, w.buyer_id, COUNT(*) AS buyer_orders,
           COUNT(DISTINCT w.account_id) AS buyer_accounts
    FROM window_orders w
    JOIN brushing_windows b USING (shop_id, window_start)
    GROUP BY w.shop_id, w.window_start, w.buyer_id
    HAVING COUNT(*) >= CAST($concentration AS DOUBLE)
),
-- each order's evidence comes from one window: the most concentrated, then the one with most
-- orders, then the earliest (all four numbers from the same window)
ranked AS (
    SELECT w.order_id, w.shop_id, b.n_orders, b.n_buyers, r.buyer_orders, r.buyer_accounts,
           ROW_NUMBER() OVER (PARTITION BY w.order_id
                              ORDER BY b.n_orders / b.n_buyers DESC, b.n_orders DESC, w.window_start) AS rank
    FROM window_orders w
    JOIN brushers r USING (shop_id, window_start, buyer_id)
    JOIN brushing_windows b USING (shop_id, window_start)
),
flagged AS (
    SELECT * FROM ranked WHERE rank = 1
)
SELECT order_id, shop_id, 'FT-BULK' AS signal, 'order_brushing' AS check_name,
       CAST($weight AS DOUBLE) AS weight,
       'order brushing: ' || CASE WHEN buyer_accounts = 1 THEN 'the buyer'
                                  ELSE CAST(buyer_accounts AS VARCHAR) || ' linked accounts' END
           || ' placed ' || CAST(buyer_orders AS VARCHAR) || ' of the shop''s '
           || CAST(n_orders AS VARCHAR) || ' orders within ' || CAST($window_minutes AS VARCHAR)
           || ' minutes (' || CAST(n_buyers AS VARCHAR) || CASE WHEN n_buyers = 1 THEN ' buyer group' ELSE ' buyer groups' END || ', concentration '
           || CAST(round(n_orders / n_buyers, 1) AS VARCHAR) || ')' AS evidence
FROM flagged
