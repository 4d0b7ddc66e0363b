-- name: tiktok/rrr
-- Daily facts of the return/refund resolution rate: seller-fault return and refund requests
-- (denominator, by local request day) and those resolved within $resolve_days days of the request
-- (numerator, from the local day of the resolution). The window is shifted back by the parameter
-- outcome_lag_days (metrics.sql): 0 = the last 30 days (open requests count as not resolved), 30 =
-- requests whose 30-day outcome is known on the as-of date.
-- Rules: RRR.
WITH r AS (
    SELECT r.shop_id, r.requested_at, r.resolved_at,
           CAST(r.requested_at AT TIME ZONE z.tz AS DATE) AS requested_day,
           CAST(r.resolved_at AT TIME ZONE z.tz AS DATE) AS resolved_day
    FROM returns r
    JOIN shop_zones z ON z.shop_id = r.shop_id
    WHERE z.platform = 'tiktok' AND list_contains($regions, z.region) AND r.seller_fault
      AND r.requested_at >= $returns_since  -- the lagged window's earliest instant (tiktok.metric_lookback)
)
SELECT shop_id, 'RRR' AS metric, requested_day AS anchor_day, requested_day AS known_day, 0.0 AS num, 1.0 AS den
FROM r
UNION ALL
SELECT shop_id, 'RRR', requested_day, resolved_day, 1.0, 0.0
FROM r
WHERE resolved_at <= requested_at + CAST($resolve_days AS INTEGER) * INTERVAL 1 DAY
