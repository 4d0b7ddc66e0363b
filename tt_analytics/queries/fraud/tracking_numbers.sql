-- name: fraud/tracking_numbers
-- Distinct (carrier, tracking_number) pairs of the examined orders: the validator (the
-- `tracking-numbers` package, per number in Python) runs on these only, once each.
-- Rule ID: FT-TRACKING (input of the malformed-number check).
SELECT DISTINCT lower(trim(carrier)) AS carrier, tracking_number
FROM fraud_orders
WHERE tracking_number IS NOT NULL AND carrier IS NOT NULL
