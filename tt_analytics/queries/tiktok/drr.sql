-- name: tiktok/drr
-- Daily facts of the defect return rate: orders created in the window (denominator) and those with
-- a defect return (reasons: parameter defect_reasons; late-dispatch returns never count, nor — by
-- default — returns on orders dispatched late), counted from the local day of the first such
-- request. The > 100 orders condition is applied in metrics.sql.
-- Rules: DRR.
WITH defect AS (
    SELECT r.order_id, min(CAST(r.requested_at AT TIME ZONE o.tz AS DATE)) AS defect_day
    FROM returns r
    JOIN tt_order_facts o ON o.order_id = r.order_id
    WHERE list_contains($defect_reasons, r.reason)
      AND NOT ($exclude_late AND o.late AND o.shipped_at IS NOT NULL)
    GROUP BY r.order_id
)
SELECT shop_id, 'DRR' AS metric, created_day AS anchor_day, created_day AS known_day, 0.0 AS num, 1.0 AS den
FROM tt_order_facts
UNION ALL
SELECT o.shop_id, 'DRR', o.created_day, greatest(o.created_day, d.defect_day), 1.0, 0.0
FROM tt_order_facts o
JOIN defect d ON d.order_id = o.order_id
