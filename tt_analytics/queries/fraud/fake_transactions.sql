-- name: fraud/fake_transactions
-- The fake_transactions output: one row per examined order that triggered at least one check
-- (`fraud_hits`). score = 1 - prod(1 - weight) over its checks (the strongest hit of each check
-- counts once), suspected = score >= `suspected_score`, signals = its FT-* IDs, explanation = the
-- evidence of every check in plain language, strongest first.
-- Rule IDs: FT-SELF, FT-LOGISTICS, FT-TRACKING, FT-BULK, FT-REVIEW.
WITH per_check AS (
    SELECT order_id, shop_id, signal, check_name,
           MAX(weight) AS weight,
           string_agg(DISTINCT evidence, '; ' ORDER BY evidence) AS evidence
    FROM fraud_hits
    GROUP BY order_id, shop_id, signal, check_name
),
scored AS (
    SELECT order_id, shop_id,
           1 - exp(SUM(ln(1 - least(weight, 0.999)))) AS score,
           list_sort(list_distinct(list(signal))) AS signals,
           list_sort(list(check_name)) AS checks,
           string_agg(evidence, '; ' ORDER BY weight DESC, check_name) AS explanation
    FROM per_check
    GROUP BY order_id, shop_id
)
SELECT s.order_id, s.shop_id, round(s.score, 4) AS score,
       s.score >= CAST($suspected_score AS DOUBLE) AS suspected,
       s.signals, s.explanation, s.checks, o.buyer_id, o.group_id, o.created_at
FROM scored s
JOIN fraud_orders o USING (order_id)
ORDER BY s.score DESC, s.order_id
