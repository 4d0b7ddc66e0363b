-- name: tiktok/termination
-- Per TikTok shop: the first local day its rolling active points (points scored in the last
-- $expiry_days days, that day included) reached $terminate_at, and whether its status counts as
-- terminated (parameter terminated_statuses; no date known). Materialised once.
-- Rules: VP-PERMANENT, VP-T48.
WITH rolling AS (
    SELECT d1.shop_id, d1.day, sum(d2.points) AS active
    FROM tt_points_daily d1
    JOIN tt_points_daily d2
      ON d2.shop_id = d1.shop_id AND d2.day BETWEEN d1.day - CAST($expiry_days - 1 AS INTEGER) AND d1.day
    GROUP BY ALL
),
first_day AS (
    SELECT shop_id, min(day) AS term_day FROM rolling WHERE active >= $terminate_at GROUP BY shop_id
)
SELECT z.shop_id, f.term_day, list_contains($terminated_statuses, s.status) AS status_terminated
FROM shop_zones z
JOIN shops s ON s.shop_id = z.shop_id
LEFT JOIN first_day f ON f.shop_id = z.shop_id
WHERE z.platform = 'tiktok'
