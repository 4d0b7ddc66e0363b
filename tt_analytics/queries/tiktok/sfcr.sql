-- name: tiktok/sfcr
-- Daily facts of the seller-fault cancellation rate: every order created counts in the
-- denominator from its creation day; a seller-fault cancellation (seller: out of stock or pricing
-- error; system: SLA timeout — parameters) counts in the numerator from the local day it happened,
-- so a cancellation after the as-of date is unknown as of that date. Buyer cancellations never count.
-- Reads tt_order_facts (orders counted per shop, day and outcome).
-- Rules: SFCR.
SELECT shop_id, 'SFCR' AS metric, created_day AS anchor_day, created_day AS known_day,
       0.0 AS num, CAST(orders AS DECIMAL(18, 1)) AS den
FROM tt_order_facts
UNION ALL
SELECT shop_id, 'SFCR', created_day, cancel_day, CAST(orders AS DOUBLE), 0.0
FROM tt_order_facts
WHERE seller_fault_cancel
