-- name: tiktok/active_points
-- Active violation points of every TikTok shop on every day that matters: the as-of dates, each
-- day points were scored and the day before it (to find threshold crossings). A point scored on
-- day d counts on days d .. d + expiry_days - 1. Once a shop is terminated its points stop
-- expiring: with no_reset_scope = frozen_at_termination the points active on the termination day
-- and every later point count; with all_points every point ever scored counts. A shop terminated by
-- status only (no known day) is frozen as of each day.
-- Rules: VP-EXPIRE, VP-NO-RESET, VP-APPEAL (overturned points are already removed), VP-PERMANENT.
WITH days AS (
    SELECT t.shop_id, a.as_of AS day FROM tt_termination t CROSS JOIN as_of_dates a
    UNION
    SELECT shop_id, day FROM tt_points_daily
    UNION
    SELECT shop_id, day - 1 FROM tt_points_daily
),
eff AS (
    SELECT d.shop_id, d.day,
           CASE WHEN t.term_day <= d.day THEN t.term_day WHEN t.status_terminated THEN d.day END AS term_from,
           CASE WHEN t.term_day <= d.day THEN t.term_day END AS terminated_on
    FROM days d JOIN tt_termination t ON t.shop_id = d.shop_id
)
SELECT e.shop_id, e.day, e.terminated_on, e.term_from IS NOT NULL AS terminated,
       coalesce(sum(p.points), 0) AS active_points
FROM eff e
LEFT JOIN tt_points_daily p
  ON p.shop_id = e.shop_id AND p.day <= e.day
 AND (p.day > e.day - CAST($expiry_days AS INTEGER)
      OR (e.term_from IS NOT NULL
          AND ($no_reset_scope = 'all_points' OR p.day > e.term_from - CAST($expiry_days AS INTEGER))))
GROUP BY ALL
