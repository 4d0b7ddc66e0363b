-- name: tiered_shipping
-- One row per Douyin shop: share of spot-stock (现货) orders among orders created in the past
-- $window_days calendar days (shop time zone; orders cancelled by the as-of date left out when
-- $exclude_cancelled), `eligible` (share >=
-- $min_spot_share), `warning` ($min_spot_share <= share < $warning_below). Orders with no
-- `fulfillment` value are counted apart and left out of the share. Share null (and eligible,
-- warning null) when there is no order.
-- Rules: RULES.md 5.2 tiered shipping (阶梯发货).
WITH dy AS (
    -- the window's first instant and the first instant after the as-of day in the shop's zone
    -- (tt_day_starts): the window is compared as instants, no conversion per order
    SELECT s.shop_id, w.starts_at AS window_from, e.starts_at AS as_of_end
    FROM shops s
    JOIN shop_zones z ON z.shop_id = s.shop_id
    JOIN tt_day_starts w ON w.tz = z.tz AND w.day = $as_of - CAST($window_days AS INTEGER) + 1
    JOIN tt_day_starts e ON e.tz = z.tz AND e.day = $as_of + 1
    WHERE s.platform = 'douyin'
), windowed AS (
    SELECT d.shop_id,
           count(*) FILTER (WHERE o.fulfillment = 'spot') AS spot_orders,
           count(*) FILTER (WHERE o.fulfillment IS NOT NULL) AS orders,
           count(*) FILTER (WHERE o.fulfillment IS NULL) AS orders_unknown_fulfillment
    FROM dy d JOIN orders o USING (shop_id)
    WHERE o.created_at >= $orders_since  -- the window's earliest instant (Context.since): skips row groups
      AND o.created_at >= d.window_from AND o.created_at < d.as_of_end
      AND NOT ($exclude_cancelled AND o.cancelled_at IS NOT NULL AND o.cancelled_at < d.as_of_end)
    GROUP BY d.shop_id
), shared AS (
    SELECT d.shop_id,
           coalesce(w.spot_orders, 0) AS spot_orders,
           coalesce(w.orders, 0) AS orders,
           coalesce(w.orders_unknown_fulfillment, 0) AS orders_unknown_fulfillment,
           CASE WHEN w.orders > 0 THEN w.spot_orders / w.orders END AS spot_share
    FROM dy d LEFT JOIN windowed w USING (shop_id)
)
SELECT shop_id, spot_share,
       spot_share >= $min_spot_share AS eligible,
       spot_share >= $min_spot_share AND spot_share < $warning_below AS warning,
       spot_orders, orders, orders_unknown_fulfillment
FROM shared
ORDER BY shop_id
