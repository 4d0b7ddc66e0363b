-- name: fraud/fraud_shops
-- Shop roll-up (extra output table): one row per shop with examined orders: orders, flagged
-- (score > 0) and suspected orders, their share and amount, the signals seen, and the count of
-- suspected orders per signal. A shop with suspected orders risks HOLD-FAKE (proceeds withheld
-- for the longer of 90 days and the investigation).
-- Rule IDs: FT-* roll-up; HOLD-FAKE (004 §4).
WITH shop_orders AS (
    SELECT shop_id, COUNT(*) AS orders FROM fraud_orders GROUP BY shop_id
),
flagged AS (
    SELECT f.shop_id,
           COUNT(*) AS flagged_orders,
           COUNT(*) FILTER (WHERE f.suspected) AS suspected_orders,
           -- rounded to cents: a parallel sum of DOUBLEs differs in its last bits from run to run
           round(SUM(o.amount) FILTER (WHERE f.suspected), 2) AS suspected_amount,
           COUNT(DISTINCT f.group_id) FILTER (WHERE f.suspected) AS suspected_groups,
           COUNT(*) FILTER (WHERE f.suspected AND list_contains(f.signals, 'FT-SELF')) AS ft_self,
           COUNT(*) FILTER (WHERE f.suspected AND list_contains(f.signals, 'FT-LOGISTICS')) AS ft_logistics,
           COUNT(*) FILTER (WHERE f.suspected AND list_contains(f.signals, 'FT-TRACKING')) AS ft_tracking,
           COUNT(*) FILTER (WHERE f.suspected AND list_contains(f.signals, 'FT-BULK')) AS ft_bulk,
           COUNT(*) FILTER (WHERE f.suspected AND list_contains(f.signals, 'FT-REVIEW')) AS ft_review,
           MAX(f.score) AS max_score
    FROM fake_transactions f
    JOIN fraud_orders o USING (order_id)
    GROUP BY f.shop_id
)
SELECT s.shop_id, s.orders,
       COALESCE(f.flagged_orders, 0) AS flagged_orders,
       COALESCE(f.suspected_orders, 0) AS suspected_orders,
       COALESCE(f.suspected_orders, 0) / s.orders AS suspected_share,
       COALESCE(f.suspected_amount, 0) AS suspected_amount,
       COALESCE(f.suspected_groups, 0) AS suspected_groups,
       COALESCE(f.ft_self, 0) AS ft_self, COALESCE(f.ft_logistics, 0) AS ft_logistics,
       COALESCE(f.ft_tracking, 0) AS ft_tracking, COALESCE(f.ft_bulk, 0) AS ft_bulk,
       COALESCE(f.ft_review, 0) AS ft_review,
       COALESCE(f.max_score, 0) AS max_score
FROM shop_orders s
LEFT JOIN flagged f USING (shop_id)
ORDER BY suspected_orders DESC, s.shop_id
