-- name: tiktok/threshold_crossings
-- Every local day a TikTok shop's active points went from below a threshold to at or above it
-- (active points only rise on days points are scored, so only those days are checked).
-- Rules: VP-T12, VP-T24, VP-T36, VP-T48 (penalties start on the crossing day).
SELECT cur.shop_id, t.threshold, t.rule, cur.day AS crossed_on
FROM tt_points_daily d
JOIN tt_active_points cur ON cur.shop_id = d.shop_id AND cur.day = d.day
JOIN tt_active_points prev ON prev.shop_id = d.shop_id AND prev.day = d.day - 1
JOIN tt_vp_thresholds t ON cur.active_points >= t.threshold AND prev.active_points < t.threshold
