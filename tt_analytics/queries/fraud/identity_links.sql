-- name: fraud/identity_links
-- Buyer-to-identifier links that join accounts into buyer groups: every (buyer, shared address /
-- phone / device) of the examined orders (created in the window), leaving out identifiers shared
-- by more than `max_accounts_per_identifier` accounts (parcel lockers, placeholders). Python takes
-- the connected components of this bipartite graph (scipy.sparse.csgraph).
-- Rule ID: FT-BULK ("单个或团伙买家": a group is accounts linked by shared identifiers).
-- The three branches cannot overlap (different `kind`), so UNION ALL; links is read twice, so
-- it is materialised once.
WITH examined AS (  -- distinct first: an account's orders repeat its identifiers (10M orders,
    -- 4M distinct rows), so the three DISTINCTs below each read the smaller set
    SELECT DISTINCT buyer_id, ship_to_address_hash, buyer_phone_hash, buyer_device_hash
    FROM orders
    WHERE created_at >= CAST($window_start AS TIMESTAMPTZ)
      AND created_at < CAST($window_end AS TIMESTAMPTZ)
),
links AS MATERIALIZED (
    SELECT DISTINCT buyer_id, 'address' AS kind, ship_to_address_hash AS value FROM examined WHERE ship_to_address_hash IS NOT NULL
    UNION ALL
    SELECT DISTINCT buyer_id, 'phone', buyer_phone_hash FROM examined WHERE buyer_phone_hash IS NOT NULL
    UNION ALL
    SELECT DISTINCT buyer_id, 'device', buyer_device_hash FROM examined WHERE buyer_device_hash IS NOT NULL
),
shared AS (
    SELECT kind, value FROM links
    GROUP BY kind, value
    HAVING COUNT(*) BETWEEN 2 AND CAST($max_accounts_per_identifier AS BIGINT)
)
SELECT l.buyer_id, l.kind || ':' || l.value AS identifier
FROM links l
JOIN shared s USING (kind, value)
