-- name: fraud/reviews_in_window
-- The reviews FT-REVIEW looks at: reviews with a text of the examined orders (fraud_orders), with
-- the product (the review's own, else the order's first product), the order's time and buyer
-- group, and the text normalised once for both review rules: `norm` (lower case; punctuation and
-- emoji replaced by spaces, whitespace collapsed) and `compact` (norm without spaces).
-- Materialised once as the temp table `fraud_reviews`.
-- Rule ID: FT-REVIEW (input).
WITH normalised AS (
    SELECT r.review_id, r.order_id, r.shop_id, COALESCE(r.product_id, l.product_id) AS product_id,
           r.rating, r.created_at, o.created_at AS ordered_at, o.group_id,
           -- every run of characters other than letters and digits (punctuation, emoji, spaces) -> one space
           trim(regexp_replace(lower(r.text), '[^\p{L}\p{N}]+', ' ', 'g')) AS norm
    FROM reviews r
    JOIN fraud_orders o ON o.order_id = r.order_id
    LEFT JOIN (SELECT l.order_id, min(l.product_id) AS product_id  -- only reviews that name no product
               FROM fraud_order_products l
               SEMI JOIN reviews rp ON rp.order_id = l.order_id AND rp.product_id IS NULL
               GROUP BY l.order_id) l
           ON l.order_id = r.order_id
    WHERE r.text IS NOT NULL
)
SELECT *, replace(norm, ' ', '') AS compact
FROM normalised
