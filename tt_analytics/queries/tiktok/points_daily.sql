-- name: tiktok/points_daily
-- Violation points per TikTok shop and local day they were scored (recorded_at in the shop's
-- reporting time zone); points of overturned appeals are removed. Materialised once.
-- Rules: VP-APPEAL, VP-EXPIRE (the day a point is scored).
SELECT v.shop_id, CAST(v.recorded_at AT TIME ZONE z.tz AS DATE) AS day, sum(v.points) AS points
FROM violations v
JOIN shop_zones z ON z.shop_id = v.shop_id
WHERE z.platform = 'tiktok' AND coalesce(v.appeal_status, 'none') <> 'overturned'
GROUP BY ALL
