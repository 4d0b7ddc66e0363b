-- name: tiktok/nrr
-- Daily facts of the negative review rate: reviews of at most $max_stars stars posted in the window
-- (numerator) over orders created in the window that are not cancelled as of the as-of date
-- (denominator: +1 on creation, -1 from the local day of the cancellation).
-- Rules: NRR.
SELECT o.shop_id, 'NRR' AS metric, o.created_day AS anchor_day, o.created_day AS known_day,
       0.0 AS num, CAST(o.orders AS DECIMAL(18, 1)) AS den
FROM tt_order_facts o
UNION ALL
SELECT o.shop_id, 'NRR', o.created_day, o.cancel_day, 0.0, -CAST(o.orders AS DECIMAL(18, 1))
FROM tt_order_facts o
WHERE o.cancel_day IS NOT NULL
UNION ALL
SELECT r.shop_id, 'NRR', d.review_day, d.review_day, 1.0, 0.0
FROM reviews r
JOIN shop_zones z ON z.shop_id = r.shop_id
CROSS JOIN LATERAL (SELECT CAST(r.created_at AT TIME ZONE z.tz AS DATE) AS review_day) d
WHERE z.platform = 'tiktok' AND list_contains($regions, z.region) AND r.rating <= $max_stars
  AND r.created_at >= $reviews_since  -- the NRR window's earliest instant (tiktok.metric_lookback)
