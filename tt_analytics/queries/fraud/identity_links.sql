-- name: fraud/identity_links
-- Buyer-to-identifier links that join accounts into buyer groups: every (buyer, shared address /
-- phone / device) of the examined orders (created in the window), leaving out identifiers shared
-- by more than `max_accounts_per_identifier` accounts (parcel lockers, placeholders). Python takes
-- the connected components of this bipartite graph (scipy.sparse.csgraph).
-- Rule ID: FT-BULK ("单个或团伙买家": a group is accounts linked by shared identifiers).
--
-- Almost every identifier belongs to one account (at 10M orders ~18k of ~12M are shared), so the
-- shared ones are first narrowed down on hashes: grouping integers instead of strings keeps the
-- ~40M accounts x identifiers of 100M orders in memory (73 s there, not 113-124 s with strings,
-- which spilled 29 GB). Exact: `candidates` keeps every identifier hash seen with two different
-- account hashes, and also those seen with one account hash that two different accounts share
-- (`colliding_buyers`, normally empty); colliding identifier hashes only let more identifiers
-- through. The links and their counts are then made from the strings of the candidates only.
WITH window_orders AS NOT MATERIALIZED (  -- read again by each use: storing 100M rows would spill
    SELECT buyer_id, ship_to_address_hash, buyer_phone_hash, buyer_device_hash
    FROM orders
    WHERE created_at >= CAST($window_start AS TIMESTAMPTZ)
      AND created_at < CAST($window_end AS TIMESTAMPTZ)
),
examined AS (
    SELECT DISTINCT hash(buyer_id) AS b,
           CASE WHEN ship_to_address_hash IS NOT NULL THEN hash(ship_to_address_hash) END AS a,
           CASE WHEN buyer_phone_hash IS NOT NULL THEN hash(buyer_phone_hash) END AS p,
           CASE WHEN buyer_device_hash IS NOT NULL THEN hash(buyer_device_hash) END AS d
    FROM window_orders
),
colliding_buyers AS MATERIALIZED (
    SELECT hash(buyer_id) AS b FROM (SELECT DISTINCT buyer_id FROM window_orders)
    GROUP BY b HAVING COUNT(*) > 1
),
candidates AS MATERIALIZED (
    SELECT 'address' AS kind, a AS h FROM examined WHERE a IS NOT NULL
    GROUP BY a HAVING MIN(b) <> MAX(b) OR MIN(b) IN (SELECT b FROM colliding_buyers)
    UNION ALL
    SELECT 'phone', p FROM examined WHERE p IS NOT NULL
    GROUP BY p HAVING MIN(b) <> MAX(b) OR MIN(b) IN (SELECT b FROM colliding_buyers)
    UNION ALL
    SELECT 'device', d FROM examined WHERE d IS NOT NULL
    GROUP BY d HAVING MIN(b) <> MAX(b) OR MIN(b) IN (SELECT b FROM colliding_buyers)
),
links AS MATERIALIZED (  -- the three branches cannot overlap (different `kind`), so UNION ALL
    SELECT DISTINCT o.buyer_id, c.kind, o.ship_to_address_hash AS value
    FROM window_orders o JOIN candidates c ON c.kind = 'address' AND c.h = hash(o.ship_to_address_hash)
    WHERE o.ship_to_address_hash IS NOT NULL
    UNION ALL
    SELECT DISTINCT o.buyer_id, c.kind, o.buyer_phone_hash
    FROM window_orders o JOIN candidates c ON c.kind = 'phone' AND c.h = hash(o.buyer_phone_hash)
    WHERE o.buyer_phone_hash IS NOT NULL
    UNION ALL
    SELECT DISTINCT o.buyer_id, c.kind, o.buyer_device_hash
    FROM window_orders o JOIN candidates c ON c.kind = 'device' AND c.h = hash(o.buyer_device_hash)
    WHERE o.buyer_device_hash IS NOT NULL
),
shared AS (
    SELECT kind, value FROM links
    GROUP BY kind, value
    HAVING COUNT(*) BETWEEN 2 AND CAST($max_accounts_per_identifier AS BIGINT)
)
SELECT l.buyer_id, l.kind || ':' || l.value AS identifier
FROM links l
JOIN shared s USING (kind, value)
