-- name: tiktok/dlr
-- Daily facts of the dispute liability rate: buyer-initiated disputes opened in the window
-- (denominator) and those where the seller was held liable (numerator, from the local day of the
-- decision; a decision after the as-of date is unknown then).
-- Rules: DLR.
WITH d AS (
    SELECT d.shop_id, d.liable_party,
           CAST(d.opened_at AT TIME ZONE z.tz AS DATE) AS opened_day,
           CAST(d.resolved_at AT TIME ZONE z.tz AS DATE) AS resolved_day
    FROM disputes d
    JOIN shop_zones z ON z.shop_id = d.shop_id
    WHERE z.platform = 'tiktok' AND list_contains($regions, z.region) AND d.initiator = 'buyer'
      AND d.opened_at >= $disputes_since  -- the window's earliest instant (tiktok.metric_lookback)
)
SELECT shop_id, 'DLR' AS metric, opened_day AS anchor_day, opened_day AS known_day, 0.0 AS num, 1.0 AS den
FROM d
UNION ALL
SELECT shop_id, 'DLR', opened_day, greatest(opened_day, coalesce(resolved_day, opened_day)), 1.0, 0.0
FROM d
WHERE liable_party = 'seller'
