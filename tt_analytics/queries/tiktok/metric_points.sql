-- name: tiktok/metric_points
-- The `metric_points` output: for SFCR and LDR of every shop whose region has a metric-points
-- rulebook (rules/tiktok_metric_points_*.yaml -> tt_metric_point_brackets), the bracket the rate
-- and count fall in (min_rate <= value < max_rate, min_count <= count < max_count; null bounds are
-- open), its points, warning and order volume limit. The OVL cap in orders per day is the average
-- daily orders created over the last avg_days local days (28: "past 4 weeks") times the cap ratio.
-- A null rate (no orders) falls in no bracket: 0 points.
-- Rules: SFCR, LDR (point tiers US/SEA and UK).
WITH m AS (
    SELECT m.shop_id, m.as_of, m.metric, m.value, m.numerator, z.region
    FROM metrics m
    JOIN shop_zones z ON z.shop_id = m.shop_id
    WHERE m.metric IN ('SFCR', 'LDR')
      AND z.region IN (SELECT region FROM tt_metric_point_brackets)
),
hit AS (
    SELECT m.*, b.points, b.warning, b.ovl_days, b.ovl_cap_ratio
    FROM m
    LEFT JOIN tt_metric_point_brackets b
      ON b.region = m.region AND b.metric = m.metric
     AND m.value >= b.min_rate AND (b.max_rate IS NULL OR m.value < b.max_rate)
     AND (b.min_count IS NULL OR m.numerator >= b.min_count)
     AND (b.max_count IS NULL OR m.numerator < b.max_count)
    QUALIFY row_number() OVER (PARTITION BY m.shop_id, m.as_of, m.metric
                               ORDER BY b.points DESC NULLS LAST, b.ovl_cap_ratio NULLS LAST) = 1
),
avg_window AS (
    SELECT DISTINCT h.shop_id, h.as_of, b.avg_days
    FROM hit h JOIN tt_metric_point_brackets b ON b.region = h.region
),
daily_orders AS (
    SELECT shop_id, created_day, sum(orders) AS orders
    FROM tt_order_facts
    GROUP BY ALL
),
average AS (
    SELECT w.shop_id, w.as_of, coalesce(sum(d.orders), 0) / w.avg_days AS avg_daily_orders
    FROM avg_window w
    LEFT JOIN daily_orders d
      ON d.shop_id = w.shop_id AND d.created_day BETWEEN w.as_of - (w.avg_days - 1) AND w.as_of
    GROUP BY w.shop_id, w.as_of, w.avg_days
)
SELECT h.shop_id, h.as_of, h.metric, h.value,
       CAST(h.numerator AS BIGINT) AS count,
       coalesce(h.points, 0) AS points,
       coalesce(h.warning, false) AS warning,
       h.ovl_days, h.ovl_cap_ratio,
       a.avg_daily_orders * h.ovl_cap_ratio AS ovl_cap_orders_per_day,
       a.avg_daily_orders
FROM hit h
JOIN average a ON a.shop_id = h.shop_id AND a.as_of = h.as_of
ORDER BY h.shop_id, h.as_of, h.metric
