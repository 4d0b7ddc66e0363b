-- name: fraud/review_generic
-- FT-REVIEW (says nothing about the product): a review text that is, after normalisation, at most
-- `generic_max_chars` letters long, one of the stock phrases `generic_phrases`, or made only of
-- `generic_words`. Alone it is weak (`generic_weight`: honest buyers write "good" too); it is
-- strong (`generic_burst_weight`) when at least `generic_burst_min_groups` different buyer groups
-- post such reviews on the same product of a shop within `generic_burst_hours` (a review farm
-- posting content-free one-liners).
-- Texts come normalised from fraud_reviews.
-- Rule ID: FT-REVIEW (004 §2.1 "卖家的商品评价不具备任何参考价值").
WITH generic AS (
    SELECT order_id, shop_id, created_at, group_id, product_id, norm FROM fraud_reviews
    WHERE length(replace(norm, ' ', '')) <= CAST($generic_max_chars AS BIGINT)
       OR list_contains(CAST($generic_phrases AS VARCHAR[]), norm)
       OR list_has_all(CAST($generic_words AS VARCHAR[]), string_split(norm, ' '))
),
bursts AS (
    SELECT a.order_id, COUNT(DISTINCT b.group_id) AS n_groups
    FROM generic a
    JOIN generic b
      ON a.shop_id = b.shop_id AND a.product_id = b.product_id
     AND b.created_at BETWEEN a.created_at - to_hours(CAST($generic_burst_hours AS BIGINT))
                          AND a.created_at + to_hours(CAST($generic_burst_hours AS BIGINT))
    GROUP BY a.order_id
)
SELECT g.order_id, g.shop_id, 'FT-REVIEW' AS signal,
       CASE WHEN b.n_groups >= CAST($generic_burst_min_groups AS BIGINT) THEN 'review_generic_burst'
            ELSE 'review_generic' END AS check_name,
       CASE WHEN b.n_groups >= CAST($generic_burst_min_groups AS BIGINT) THEN CAST($generic_burst_weight AS DOUBLE)
            ELSE CAST($generic_weight AS DOUBLE) END AS weight,
       'review says nothing about the product ("' || g.norm || '")'
           || CASE WHEN b.n_groups >= CAST($generic_burst_min_groups AS BIGINT)
                   THEN ', one of ' || CAST(b.n_groups AS VARCHAR) || ' such reviews from different buyers on product '
                        || g.product_id || ' within ' || CAST($generic_burst_hours AS VARCHAR) || ' h'
                   ELSE '' END AS evidence
FROM generic g
LEFT JOIN bursts b USING (order_id)
