-- name: fraud/review_generic
-- FT-REVIEW (says nothing about the product): a review text that is, after normalisation, at most
-- `generic_max_chars` letters long or one of the stock phrases `generic_phrases`. Weak on its own
-- (honest buyers write "good" too); it adds to other signals of the same order.
-- Rule ID: FT-REVIEW (004 §2.1 "卖家的商品评价不具备任何参考价值").
WITH normalised AS (
    SELECT r.order_id, r.shop_id,
           trim(regexp_replace(regexp_replace(lower(r.text), '[^\p{L}\p{N}\s+]+', ' ', 'g'), '\s+', ' ', 'g')) AS norm
    FROM reviews r
    JOIN fraud_orders o ON o.order_id = r.order_id
    WHERE r.text IS NOT NULL
)
SELECT order_id, shop_id, 'FT-REVIEW' AS signal, 'review_generic' AS check_name,
       CAST($generic_weight AS DOUBLE) AS weight,
       arg_min('review says nothing about the product ("' || norm || '")', length(norm)) AS evidence
FROM normalised
WHERE length(regexp_replace(norm, '\s', '', 'g')) <= CAST($generic_max_chars AS BIGINT)
   OR list_contains(CAST($generic_phrases AS VARCHAR[]), norm)
GROUP BY order_id, shop_id
