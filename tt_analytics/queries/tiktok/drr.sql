-- name: tiktok/drr
-- Daily facts of the defect return rate: orders created in the window (denominator) and those with
-- a defect return (reasons: parameter defect_reasons; late-dispatch returns never count, nor — by
-- default — returns on orders dispatched late), counted from the local day of the first such
-- request (order_facts.sql finds it). The > 100 orders condition is applied in metrics.sql.
-- Reads tt_order_facts (orders counted per shop, day and outcome).
-- Rules: DRR.
SELECT shop_id, 'DRR' AS metric, created_day AS anchor_day, created_day AS known_day,
       0.0 AS num, CAST(orders AS DECIMAL(18, 1)) AS den
FROM tt_order_facts
UNION ALL
SELECT shop_id, 'DRR', created_day, greatest(created_day, defect_day), CAST(orders AS DOUBLE), 0.0
FROM tt_order_facts
WHERE defect_day IS NOT NULL
