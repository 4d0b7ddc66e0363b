-- name: tiktok/metrics
-- The `metrics` output: for every measured TikTok shop, every as-of date and every metric, the
-- numerator and denominator over the metric's window of local calendar days ending on the as-of
-- date (shifted back by lag_days for RRR), value = numerator / denominator (null when the
-- denominator is 0), and whether the target is met (null when the value is null, or when the
-- denominator is at most min_denominator_exclusive: DRR with <= 100 orders).
-- Daily facts (tt_metric_facts: shop, metric, anchor_day, known_day, num, den — aggregated once)
-- count for as-of date D when the anchor day is in D's window and the fact was known by the end
-- of D, i.e. for every D in [max(known_day, anchor_day + lag), anchor_day + lag + window - 1]:
-- each fact is joined to the as-of dates inside that span (a range join; a fact spans at most
-- window days, so a series of dates costs facts x window rows at most) and summed. The same query
-- serves one date and a series of dates.
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
summed AS (
    SELECT s.shop_id, s.metric, a.as_of, sum(s.num) AS num, sum(s.den) AS den
    FROM spans s
    JOIN as_of_dates a ON a.as_of >= s.first_day AND a.as_of < s.day_after
    GROUP BY ALL
),
totals AS (
    SELECT g.shop_id, g.as_of, g.metric, g.window_days, g.target, g.comparison, g.min_denominator_exclusive,
           coalesce(round(r.num, 9), 0) AS numerator, coalesce(round(r.den, 9), 0) AS denominator
    FROM grid g
    LEFT JOIN summed r ON r.shop_id = g.shop_id AND r.metric = g.metric AND r.as_of = g.as_of
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
