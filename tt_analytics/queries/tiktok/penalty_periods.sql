-- name: tiktok/penalty_periods
-- The `penalty_periods` output: for every TikTok shop and as-of date, each threshold penalty of the
-- latest crossing of each threshold on or before the date: start = crossing day, end = start +
-- days - 1 (null: permanent), and whether it is in force on the date.
-- Rules: VP-T12, VP-T24, VP-T36, VP-T48.
WITH latest AS (
    SELECT c.shop_id, a.as_of, c.threshold, c.rule, max(c.crossed_on) AS start_date
    FROM tt_threshold_crossings c
    JOIN as_of_dates a ON c.crossed_on <= a.as_of
    GROUP BY ALL
)
SELECT l.shop_id, l.as_of, l.threshold, l.rule, p.penalty, p.days,
       l.start_date,
       l.start_date + CAST(p.days - 1 AS INTEGER) AS end_date,
       (p.days IS NULL OR l.as_of <= l.start_date + CAST(p.days - 1 AS INTEGER)) AS in_force
FROM latest l
JOIN tt_vp_penalties p ON p.threshold = l.threshold
ORDER BY l.shop_id, l.as_of, l.threshold, p.penalty
