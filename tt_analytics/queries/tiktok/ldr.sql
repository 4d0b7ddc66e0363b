-- name: tiktok/ldr
-- Daily facts of the late dispatch rate: orders created (denominator) and orders not dispatched by
-- their deadline (after SLA extensions; default SLA when ship_by is null). A late order counts from
-- the local day its deadline passed: an order whose deadline has not passed by the end of the
-- as-of day is not late yet; one still not dispatched after its deadline is late.
-- Reads tt_order_facts (orders counted per shop, day and outcome).
-- Rules: LDR, RULES.md §6 (SLA extensions, via order_facts).
SELECT shop_id, 'LDR' AS metric, created_day AS anchor_day, created_day AS known_day,
       0.0 AS num, CAST(orders AS DECIMAL(18, 1)) AS den
FROM tt_order_facts
UNION ALL
SELECT shop_id, 'LDR', created_day, late_day, CAST(orders AS DOUBLE), 0.0
FROM tt_order_facts
WHERE late_day IS NOT NULL
