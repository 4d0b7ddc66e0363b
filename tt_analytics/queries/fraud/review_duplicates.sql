-- name: fraud/review_duplicates
-- FT-REVIEW (duplicate texts): reviews of one shop, with the same star rating, from at least
-- `duplicate_min_groups` different buyer groups whose orders were placed within
-- `duplicate_window_hours` of each other, and whose texts are the same or nearly the same. Texts
-- are compacted (lower case; punctuation, emoji and spaces removed) and must have at least
-- `duplicate_min_chars` letters (short content-free texts are left to review_generic). Two ways:
-- (a) the same compact text, on any product of the shop;
-- (b) a near-identical text on the same product: Jaccard similarity of the character-trigram sets
--     >= `duplicate_similarity` (farms vary a stock sentence with a filler word, punctuation or
--     emoji; trigrams work for Chinese as well as for spaced languages). Pairs are only formed
--     inside (shop, product, rating) and the time window, only for reviews with enough other buyer
--     groups there, and each distinct pair of texts is compared once (trigram sets built once per
--     text), so the comparison stays small.
-- The time window matters: honest buyers of a popular product do write the same sentence now and
-- then, a farm's orders come in a burst. Reviews are paired within time buckets of the window's
-- length (same or adjacent bucket), so a popular product's year of reviews is not paired with
-- itself before the window is checked. Texts come normalised from fraud_reviews.
-- Rule ID: FT-REVIEW (004 §2.1 "卖家的商品评价不具备任何参考价值或与所发布商品不符").
WITH long_texts AS MATERIALIZED (
    -- time bucket of the window's length: reviews within the window are in the same or adjacent buckets
    SELECT *, CAST(floor(epoch(ordered_at) / (3600.0 * CAST($duplicate_window_hours AS DOUBLE))) AS BIGINT) AS bucket
    FROM fraud_reviews
    WHERE length(compact) >= CAST($duplicate_min_chars AS BIGINT)
),
probes AS NOT MATERIALIZED (  -- each review once per bucket it must be compared with (recomputed
    -- by both joins: a cheap scan, where a stored copy took 3 x the long texts of capped memory)
    SELECT t.*, t.bucket + near.step AS probe_bucket
    FROM long_texts t
    CROSS JOIN (VALUES (-1), (0), (1)) AS near(step)
),
same_text AS (
    SELECT a.review_id, COUNT(DISTINCT b.group_id) AS n_groups
    FROM probes a
    JOIN long_texts b
      ON a.shop_id = b.shop_id AND a.compact = b.compact AND a.rating = b.rating AND b.bucket = a.probe_bucket
     AND b.ordered_at BETWEEN a.ordered_at - to_hours(CAST($duplicate_window_hours AS BIGINT))
                          AND a.ordered_at + to_hours(CAST($duplicate_window_hours AS BIGINT))
    GROUP BY a.review_id
    HAVING COUNT(DISTINCT b.group_id) >= CAST($duplicate_min_groups AS BIGINT)
),
window_pairs AS MATERIALIZED (
    -- (review, other review) of the same shop, product and rating from another buyer group in the window
    SELECT a.review_id, a.compact, b.compact AS other_compact, b.group_id AS other_group
    FROM probes a
    JOIN long_texts b
      ON a.shop_id = b.shop_id AND a.product_id = b.product_id AND a.rating = b.rating
     AND b.bucket = a.probe_bucket
     AND a.group_id <> b.group_id
     AND b.ordered_at BETWEEN a.ordered_at - to_hours(CAST($duplicate_window_hours AS BIGINT))
                          AND a.ordered_at + to_hours(CAST($duplicate_window_hours AS BIGINT))
),
candidate_pairs AS MATERIALIZED (
    -- only reviews with enough other groups in the window can reach duplicate_min_groups: the
    -- texts of the others are never compared (an exact restriction)
    SELECT * FROM window_pairs
    WHERE review_id IN (SELECT review_id FROM window_pairs GROUP BY review_id
                        HAVING COUNT(DISTINCT other_group) + 1 >= CAST($duplicate_min_groups AS BIGINT))
),
-- farms and honest buyers alike reuse a few stock sentences: texts are compared once per
-- distinct pair of texts, not once per pair of reviews
text_pairs AS MATERIALIZED (
    SELECT DISTINCT compact, other_compact FROM candidate_pairs
),
trigrams AS MATERIALIZED (
    -- each compared text's distinct character trigrams, computed once per text
    SELECT compact, tri, array_length(tri) AS n_tri
    FROM (SELECT compact, list_distinct(list_transform(range(1, length(compact) - 1),
                                                       lambda i: substr(compact, i, 3))) AS tri
          FROM (SELECT compact FROM text_pairs UNION SELECT other_compact FROM text_pairs))
),
similar_texts AS (
    SELECT compact, other_compact
    -- shared trigrams: a's (distinct) trigrams found in b; list_contains over a short list is ~4x
    -- cheaper than list_intersect, which hashes both lists for every pair (~1M pairs at 10M orders)
    FROM (SELECT p.compact, p.other_compact, a.n_tri AS a_n, b.n_tri AS b_n,
                 array_length(list_filter(a.tri, lambda t: list_contains(b.tri, t))) AS shared
          FROM text_pairs p
          JOIN trigrams a ON a.compact = p.compact
          JOIN trigrams b ON b.compact = p.other_compact
          -- Jaccard(A, B) <= min(|A|, |B|) / max(|A|, |B|): exact, and skips most intersections
          WHERE least(a.n_tri, b.n_tri) >= CAST($duplicate_similarity AS DOUBLE) * greatest(a.n_tri, b.n_tri))
    WHERE shared / (a_n + b_n - shared) >= CAST($duplicate_similarity AS DOUBLE)
),
near_text AS (
    SELECT review_id, COUNT(DISTINCT other_group) + 1 AS n_groups
    FROM candidate_pairs
    SEMI JOIN similar_texts USING (compact, other_compact)
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
               || CAST(n_groups AS VARCHAR) || ' different buyers ordering within '
               || CAST($duplicate_window_hours AS VARCHAR) || ' h',
               CASE WHEN kind = 'identical' THEN 1000000 ELSE 0 END + n_groups) AS evidence
FROM hits
GROUP BY order_id, shop_id
