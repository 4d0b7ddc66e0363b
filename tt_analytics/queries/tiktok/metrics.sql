-- name: tiktok/metrics
-- The `metrics` output: for every measured TikTok shop, every as-of date and every metric, the
-- numerator and denominator over the metric's window of local calendar days ending on the as-of
-- date (shifted back by lag_days for RRR), value = numerator / denominator (null when the
-- denominator is 0), and whether the target is met (null when the value is null, or when the
-- denominator is at most min_denominator_exclusive: DRR with <= 100 orders).
-- Daily facts (tt_metric_facts: shop, metric, anchor_day, known_day, num, den — aggregated once)
-- are joined to as_of_dates by range: a fact counts when its anchor day is in the window and it
-- was known by the end of the as-of day. The same query serves one date and a series of dates.
-- Rules: CS-FRT, CS-RR24, CS-RR48, NRR, DLR, RRR, SFCR, LDR, DRR.
WITH measured AS (
    SELECT shop_id FROM shop_zones
    WHERE platform = 'tiktok' AND list_contains($regions, region)
),
grid AS (
    SELECT s.shop_id, a.as_of, t.*
    FROM measured s CROSS JOIN as_of_dates a CROSS JOIN tt_metric_targets t
),
totals AS (
    SELECT g.shop_id, g.as_of, g.metric, g.window_days, g.target, g.comparison, g.min_denominator_exclusive,
           coalesce(sum(f.num), 0) AS numerator, coalesce(sum(f.den), 0) AS denominator
    FROM grid g
    LEFT JOIN tt_metric_facts f
      ON f.shop_id = g.shop_id AND f.metric = g.metric
     AND f.anchor_day BETWEEN g.as_of - (g.lag_days + g.window_days - 1) AND g.as_of - g.lag_days
     AND f.known_day <= g.as_of
    GROUP BY ALL
)
SELECT shop_id, as_of, metric, window_days,
       numerator, denominator,
       numerator / nullif(denominator, 0) AS value,
       target,
       CASE WHEN denominator = 0 THEN NULL
            WHEN min_denominator_exclusive IS NOT NULL AND denominator <= min_denominator_exclusive THEN NULL
            WHEN comparison = '<'  THEN numerator / denominator <  target
            WHEN comparison = '<=' THEN numerator / denominator <= target
            WHEN comparison = '>'  THEN numerator / denominator >  target
            WHEN comparison = '>=' THEN numerator / denominator >= target
       END AS meets_target
FROM totals
ORDER BY shop_id, as_of, metric
