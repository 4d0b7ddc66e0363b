-- name: tiktok/star_shop
-- The `star_shop` output: for every TikTok shop of a programme region (US) and as-of date, the
-- monthly period (the $start_day-th of one month to the day before it in the next) containing the
-- date, each criterion's measured value and pass/fail, eligible (all pass), failed (criterion IDs),
-- and an early warning for shops eligible now but within a margin of a criterion (at_risk).
--   SS-ACTIVE  status in $active_statuses
--   SS-GRAD    graduated_at on or before the as-of date
--   SS-ORDERS  orders completed (not cancelled) in the $orders_days local days ending on the
--              period's last day (or the as-of date: parameter orders_window_end), counting only
--              completions known by the as-of date; >= $min_orders
--   SS-RATING  latest shop_ratings.rating on or before the as-of date >= $min_rating (none: fail)
--   SS-POINTS  active violation points (points output) < $max_points
--   SS-FAKE    no fake/counterfeit violation (types $fake_types) that is active (not overturned,
--              not expired; or, with fake_scope = ever, any not overturned)
-- Margins are rounded to 9 decimals so that 100 x 1.1 is 110, not 110.00000000000001.
-- Rules: SS-ACTIVE, SS-GRAD, SS-ORDERS, SS-RATING, SS-POINTS, SS-FAKE.
WITH shops_in AS (
    SELECT s.shop_id, s.status, s.graduated_at, z.tz, a.as_of
    FROM shops s
    JOIN shop_zones z ON z.shop_id = s.shop_id
    CROSS JOIN as_of_dates a
    WHERE z.platform = 'tiktok' AND list_contains($regions, z.region)
),
periods AS (
    SELECT *,
           CASE WHEN day(as_of) >= $start_day
                THEN make_date(year(as_of), month(as_of), CAST($start_day AS BIGINT))
                ELSE CAST(make_date(year(as_of), month(as_of), CAST($start_day AS BIGINT)) - INTERVAL 1 MONTH AS DATE)
           END AS period_start
    FROM shops_in
),
p AS (
    SELECT *, CAST(period_start + INTERVAL 1 MONTH AS DATE) - 1 AS period_end,
           CASE WHEN $orders_window_end = 'as_of' THEN as_of
                ELSE CAST(period_start + INTERVAL 1 MONTH AS DATE) - 1 END AS orders_window_end
    FROM periods
),
completed AS (
    -- completed orders counted per shop, local completion day and cancellation day, so that a
    -- series of dates joins day counts to its windows, not every order to every date
    SELECT o.shop_id,
           CAST((CASE WHEN $completion_column = 'delivered_at' THEN o.delivered_at ELSE o.completed_at END)
                AT TIME ZONE z.tz AS DATE) AS completed_day,
           CAST(o.cancelled_at AT TIME ZONE z.tz AS DATE) AS cancel_day,
           count(*) AS orders
    FROM orders o
    JOIN shop_zones z ON z.shop_id = o.shop_id
    WHERE z.platform = 'tiktok' AND list_contains($regions, z.region)
      -- the window starts at most orders_days - 1 days before an as-of date (its end is the as-of
      -- date or the period's end, which is later): skips row groups completed before
      AND (CASE WHEN $completion_column = 'delivered_at' THEN o.delivered_at ELSE o.completed_at END) >= $orders_since
    GROUP BY ALL
),
orders_done AS (
    SELECT p.shop_id, p.as_of, CAST(coalesce(sum(c.orders), 0) AS BIGINT) AS completed_orders
    FROM p
    LEFT JOIN completed c
      ON c.shop_id = p.shop_id
     AND c.completed_day BETWEEN p.orders_window_end - CAST($orders_days - 1 AS INTEGER)
                             AND least(p.orders_window_end, p.as_of)
     AND (c.cancel_day IS NULL OR c.cancel_day > p.as_of)
    GROUP BY ALL
),
rating AS (
    SELECT p.shop_id, p.as_of, arg_max(r.rating, r.date) AS rating, max(r.date) AS rating_date
    FROM p
    JOIN shop_ratings r ON r.shop_id = p.shop_id AND r.date <= p.as_of
    GROUP BY ALL
),
fake AS (
    SELECT p.shop_id, p.as_of, count(*) AS fake_violations
    FROM p
    JOIN violations v ON v.shop_id = p.shop_id
    CROSS JOIN LATERAL (SELECT CAST(v.recorded_at AT TIME ZONE p.tz AS DATE) AS day) d
    WHERE list_contains($fake_types, v.violation_type)
      AND coalesce(v.appeal_status, 'none') <> 'overturned'
      AND d.day <= p.as_of
      AND ($fake_scope = 'ever' OR d.day > p.as_of - CAST($expiry_days AS INTEGER))
    GROUP BY ALL
),
m AS (
    SELECT p.shop_id, p.as_of, p.period_start, p.period_end,
           p.status, list_contains($active_statuses, p.status) AS active_ok,
           p.graduated_at, coalesce(p.graduated_at <= p.as_of, false) AS graduated_ok,
           o.completed_orders, o.completed_orders >= $min_orders AS orders_ok,
           r.rating, r.rating_date, coalesce(r.rating >= $min_rating, false) AS rating_ok,
           pt.active_points, pt.active_points < $max_points AS points_ok,
           coalesce(f.fake_violations, 0) AS fake_violations, coalesce(f.fake_violations, 0) = 0 AS fake_ok
    FROM p
    JOIN orders_done o ON o.shop_id = p.shop_id AND o.as_of = p.as_of
    LEFT JOIN rating r ON r.shop_id = p.shop_id AND r.as_of = p.as_of
    JOIN points pt ON pt.shop_id = p.shop_id AND pt.as_of = p.as_of
    LEFT JOIN fake f ON f.shop_id = p.shop_id AND f.as_of = p.as_of
),
v AS (
    SELECT m.*,
           list_concat(CASE WHEN active_ok THEN [] ELSE ['SS-ACTIVE'] END,
                       CASE WHEN graduated_ok THEN [] ELSE ['SS-GRAD'] END,
                       CASE WHEN orders_ok THEN [] ELSE ['SS-ORDERS'] END,
                       CASE WHEN rating_ok THEN [] ELSE ['SS-RATING'] END,
                       CASE WHEN points_ok THEN [] ELSE ['SS-POINTS'] END,
                       CASE WHEN fake_ok THEN [] ELSE ['SS-FAKE'] END) AS failed,
           list_concat(CASE WHEN completed_orders < round($min_orders * (1 + $orders_margin), 9) THEN ['SS-ORDERS'] ELSE [] END,
                       CASE WHEN coalesce(rating < round($min_rating + $rating_margin, 9), true) THEN ['SS-RATING'] ELSE [] END,
                       CASE WHEN active_points >= $max_points - $points_margin THEN ['SS-POINTS'] ELSE [] END) AS near
    FROM m
)
SELECT shop_id, as_of, period_start, period_end,
       array_length(failed) = 0 AS eligible, failed,
       status, active_ok, graduated_at, graduated_ok, completed_orders, orders_ok,
       rating, rating_date, rating_ok, active_points, points_ok, fake_violations, fake_ok,
       CASE WHEN array_length(failed) = 0 THEN near ELSE [] END AS at_risk,
       array_length(failed) = 0 AND array_length(near) > 0 AS early_warning
FROM v
ORDER BY shop_id, as_of
