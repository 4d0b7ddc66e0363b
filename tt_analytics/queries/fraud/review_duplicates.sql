-- name: fraud/review_duplicates
-- FT-REVIEW (duplicate texts): the same review text, after normalisation (lower case, punctuation
-- and spacing removed; and, as a second key, the same set of words in any order), posted on one
-- shop by at least `duplicate_min_groups` different buyer groups. Texts shorter than
-- `duplicate_min_words` words are left to review_generic (many honest buyers write "good").
-- Rule ID: FT-REVIEW (004 §2.1 "卖家的商品评价不具备任何参考价值或与所发布商品不符").
WITH normalised AS (
    SELECT r.review_id, r.order_id, r.shop_id, r.rating, g.group_id,
           trim(regexp_replace(regexp_replace(lower(r.text), '[^\p{L}\p{N}\s]+', ' ', 'g'), '\s+', ' ', 'g')) AS norm
    FROM reviews r
    JOIN fraud_orders o ON o.order_id = r.order_id
    JOIN fraud_buyer_groups g ON g.buyer_id = o.buyer_id
    WHERE r.text IS NOT NULL
),
keyed AS (
    SELECT *, 'same text' AS key_kind, norm AS text_key FROM normalised
    WHERE len(string_split(norm, ' ')) >= CAST($duplicate_min_words AS BIGINT)
    UNION ALL
    SELECT *, 'same words' AS key_kind,
           array_to_string(list_sort(list_distinct(string_split(norm, ' '))), ' ') AS text_key
    FROM normalised
    WHERE len(string_split(norm, ' ')) >= CAST($duplicate_min_words AS BIGINT)
),
duplicate_keys AS (
    SELECT shop_id, key_kind, text_key, COUNT(DISTINCT group_id) AS n_groups, COUNT(*) AS n_reviews
    FROM keyed
    GROUP BY shop_id, key_kind, text_key
    HAVING COUNT(DISTINCT group_id) >= CAST($duplicate_min_groups AS BIGINT)
),
hits AS (
    SELECT k.order_id, k.shop_id, k.rating, k.norm, d.key_kind, d.n_groups, d.n_reviews
    FROM keyed k
    JOIN duplicate_keys d USING (shop_id, key_kind, text_key)
)
SELECT order_id, shop_id, 'FT-REVIEW' AS signal, 'review_duplicate' AS check_name,
       CAST($duplicate_weight AS DOUBLE) AS weight,
       arg_max(CASE WHEN key_kind = 'same text' THEN 'identical ' ELSE 'near-identical ' END
               || CAST(rating AS VARCHAR) || '-star review text "' || left(norm, 60)
               || CASE WHEN length(norm) > 60 THEN '…' ELSE '' END || '" from '
               || CAST(n_groups AS VARCHAR) || ' different buyers',
               CASE WHEN key_kind = 'same text' THEN 1000000 ELSE 0 END + n_groups) AS evidence
FROM hits
GROUP BY order_id, shop_id
