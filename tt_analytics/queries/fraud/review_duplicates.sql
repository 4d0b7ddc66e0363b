-- name: fraud/review_duplicates
-- FT-REVIEW (duplicate texts): reviews of one shop from at least `duplicate_min_groups` different
-- buyer groups whose texts are the same or nearly the same. Texts are normalised (lower case,
-- punctuation, emoji and spaces removed). Two ways to match:
-- (a) the same normalised text on any product of the shop within `duplicate_window_hours`;
-- (b) nearly the same text on the same product within `duplicate_window_hours`: farms vary a
--     stock sentence with a filler word, punctuation or emoji, so the edit distance is taken net
--     of the length difference (an inserted word costs nothing):
--     1 - (levenshtein - |len a - len b|) / shorter length >= `duplicate_similarity`, for texts
--     whose lengths are within `duplicate_length_ratio` of each other. Pairs are only formed
--     inside (shop, product) and the time window, so the comparison stays small.
-- Both only for texts of at least `duplicate_min_chars` letters; short content-free texts are left
-- to review_generic. The time window matters: honest buyers of a popular product do write the
-- same sentence now and then over a year, a farm posts its copies in a burst.
-- Rule ID: FT-REVIEW (004 §2.1 "卖家的商品评价不具备任何参考价值或与所发布商品不符").
WITH normalised AS (
    SELECT r.review_id, r.order_id, r.shop_id, r.rating, r.created_at,
           COALESCE(r.product_id, l.product_id) AS product_id, g.group_id,
           regexp_replace(lower(r.text), '[^\p{L}\p{N}]+', '', 'g') AS compact,
           trim(regexp_replace(regexp_replace(lower(r.text), '[^\p{L}\p{N}\s]+', ' ', 'g'), '\s+', ' ', 'g')) AS norm
    FROM reviews r
    JOIN fraud_orders o ON o.order_id = r.order_id
    JOIN fraud_buyer_groups g ON g.buyer_id = o.buyer_id
    LEFT JOIN (SELECT order_id, min(product_id) AS product_id FROM order_lines GROUP BY order_id) l
           ON l.order_id = r.order_id
    WHERE r.text IS NOT NULL
),
long_texts AS (
    SELECT * FROM normalised WHERE length(compact) >= CAST($duplicate_min_chars AS BIGINT)
),
same_text AS (
    SELECT a.review_id, COUNT(DISTINCT b.group_id) AS n_groups
    FROM long_texts a
    JOIN long_texts b
      ON a.shop_id = b.shop_id AND a.compact = b.compact
     AND b.created_at BETWEEN a.created_at - to_hours(CAST($duplicate_window_hours AS BIGINT))
                          AND a.created_at + to_hours(CAST($duplicate_window_hours AS BIGINT))
    GROUP BY a.review_id
    HAVING COUNT(DISTINCT b.group_id) >= CAST($duplicate_min_groups AS BIGINT)
),
similar_pairs AS (
    SELECT a.review_id, b.group_id AS other_group
    FROM long_texts a
    JOIN long_texts b
      ON a.shop_id = b.shop_id AND a.product_id = b.product_id AND a.group_id <> b.group_id
     AND b.created_at BETWEEN a.created_at - to_hours(CAST($duplicate_window_hours AS BIGINT))
                          AND a.created_at + to_hours(CAST($duplicate_window_hours AS BIGINT))
    WHERE least(length(a.compact), length(b.compact)) / greatest(length(a.compact), length(b.compact))
          >= CAST($duplicate_length_ratio AS DOUBLE)
      AND 1 - (levenshtein(a.compact, b.compact) - abs(length(a.compact) - length(b.compact)))
              / least(length(a.compact), length(b.compact))
          >= CAST($duplicate_similarity AS DOUBLE)
),
near_text AS (
    SELECT review_id, COUNT(DISTINCT other_group) + 1 AS n_groups
    FROM similar_pairs
    GROUP BY review_id
    HAVING COUNT(DISTINCT other_group) + 1 >= CAST($duplicate_min_groups AS BIGINT)
),
hits AS (
    SELECT t.order_id, t.shop_id, t.rating, t.norm, 'identical' AS kind, s.n_groups
    FROM long_texts t JOIN same_text s USING (review_id)
    UNION ALL
    SELECT t.order_id, t.shop_id, t.rating, t.norm, 'near-identical', n.n_groups
    FROM long_texts t JOIN near_text n USING (review_id)
)
SELECT order_id, shop_id, 'FT-REVIEW' AS signal, 'review_duplicate' AS check_name,
       CAST($duplicate_weight AS DOUBLE) AS weight,
       arg_max(kind || ' ' || CAST(rating AS VARCHAR) || '-star review text "' || left(norm, 60)
               || CASE WHEN length(norm) > 60 THEN '…' ELSE '' END || '" from '
               || CAST(n_groups AS VARCHAR) || ' different buyers',
               CASE WHEN kind = 'identical' THEN 1000000 ELSE 0 END + n_groups) AS evidence
FROM hits
GROUP BY order_id, shop_id
