-- name: tiktok/metrics
-- The `metrics` output: for every measured TikTok shop, every as-of date and every metric, the
-- numerator and denominator over the metric's window of local calendar days ending on the as-of
-- date (shifted back by lag_days for RRR), value = numerator / denominator (null when the
-- denominator is 0), and whether the target is met (null when the value is null, or when the
-- denominator is at most min_denominator_exclusive: DRR with <= 100 orders).
-- Daily facts (tt_metric_facts: shop, metric, anchor_day, known_day, num, den — aggregated once)
-- count for as-of date D when the anchor day is in D's window and the fact was known by the end
-- of D, i.e. for every D in [max(known_day, anchor_day + lag), anchor_day + lag + window - 1].
-- Each fact becomes a +value at the first of those days and a -value the day after the last;
-- a running SUM() window over days, read at each as-of date, gives every window at once. The
-- same query serves one date and a series of dates.
-- Rules: CS-FRT, CS-RR24, CS-RR48, NRR, DLR, RRR, SFCR, LDR, DRR.
WITH measured AS (
    SELECT shop_id FROM shop_zones
    WHERE platform = 'tiktok' AND list_contains($regions, region)
),
grid AS (
    SELECT s.shop_id, a.as_of, t.*
    FROM measured s CROSS JOIN as_of_dates a CROSS JOIN tt_metric_targets t
),
spans AS (
    SELECT f.shop_id, f.metric, f.num, f.den,
           greatest(f.known_day, f.anchor_day + t.lag_days) AS first_day,
           f.anchor_day + (t.lag_days + t.window_days) AS day_after
    FROM tt_metric_facts f
    JOIN tt_metric_targets t ON t.metric = f.metric
),
deltas AS (
    SELECT shop_id, metric, first_day AS day, num, den FROM spans WHERE first_day < day_after
    UNION ALL
    SELECT shop_id, metric, day_after, -num, -den FROM spans WHERE first_day < day_after
),
events AS (
    SELECT shop_id, metric, day, num, den, false AS is_as_of FROM deltas
    UNION ALL
    SELECT shop_id, metric, as_of, 0.0, 0.0, true FROM grid
),
running AS (
    SELECT shop_id, metric, day, is_as_of,
           round(sum(num) OVER w, 9) AS numerator,
           round(sum(den) OVER w, 9) AS denominator
    FROM events
    WINDOW w AS (PARTITION BY shop_id, metric ORDER BY day
                 RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
totals AS (
    SELECT g.shop_id, g.as_of, g.metric, g.window_days, g.target, g.comparison, g.min_denominator_exclusive,
           r.numerator, r.denominator
    FROM grid g
    JOIN running r ON r.is_as_of AND r.shop_id = g.shop_id AND r.metric = g.metric AND r.day = g.as_of
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
