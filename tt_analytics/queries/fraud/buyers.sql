-- name: fraud/buyers
-- Every buyer account of the examined orders with its distinct addresses, phones and devices
-- (buyer-group sizes in the evidence texts and in fraud_groups).
-- Rule ID: FT-BULK (buyer groups).
SELECT buyer_id,
       COUNT(DISTINCT ship_to_address_hash) AS n_addresses,
       COUNT(DISTINCT buyer_phone_hash) AS n_phones,
       COUNT(DISTINCT buyer_device_hash) AS n_devices
FROM fraud_orders
GROUP BY buyer_id
