-- name: fraud/reused_tracking_numbers
-- Tracking numbers on parcels to at least two different addresses (address hash, else zip), over
-- every order created before the end of the as-of date: a number reused by another shop or
-- earlier counts too. Materialised once per run as the temp table `fraud_reused_tracking` (the
-- examined orders may be split into several passes, tracking_anomalies.sql reads this in each).
-- Almost every number is on one parcel (3,413 of 9.46M at 10M orders are on more), so the numbers
-- on two parcels or more are first found by the hash of the number: grouping ~95M integers
-- instead of ~95M strings with their addresses (100M orders: 22 s, not 64 s). Colliding hashes
-- only let more numbers through to the exact test that follows, never fewer. `parcels` is read
-- twice and NOT MATERIALIZED: reading its two columns again costs less than storing every parcel.
-- Rule ID: FT-TRACKING (002 虚假履约 "货运单号重复").
WITH parcels AS NOT MATERIALIZED (
    SELECT tracking_number, COALESCE(ship_to_address_hash, ship_to_zip) AS address
    FROM orders
    WHERE tracking_number IS NOT NULL AND created_at < CAST($window_end AS TIMESTAMPTZ)
),
repeated AS (
    SELECT hash(tracking_number) AS number_hash FROM parcels GROUP BY number_hash HAVING COUNT(*) >= 2
)
SELECT tracking_number, COUNT(*) AS n_parcels, COUNT(DISTINCT address) AS n_addresses
FROM parcels
WHERE hash(tracking_number) IN (SELECT number_hash FROM repeated)
GROUP BY tracking_number
HAVING MIN(address) <> MAX(address)
