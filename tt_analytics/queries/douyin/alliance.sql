-- name: alliance
-- One row per Douyin shop: every Selected Alliance (精选联盟) entry criterion with its measured
-- value, `eligible` (all hold), `formal_only`, the daily `warning` and the `failed` criterion IDs.
-- Windows are calendar days ending on the as-of date in the shop's time zone (Asia/Shanghai).
-- Orders are read from $orders_since (the GMV window's first day less a day for time zones);
-- reviews from $reviews_since, or all of them (null) when valid reviews count over all time.
-- Rules: AL-OPEN, AL-GMV, AL-RATING, AL-POSITIVE, AL-EVASION, AL-RELATED, AL-FORMAL, AL-DAILY.
WITH dy AS (
    -- each window's first instant and the first instant after the as-of day in the shop's zone
    -- (tt_day_starts): orders and reviews are compared as instants, no conversion per row
    SELECT s.shop_id, s.status, s.controller_id, z.tz, e.starts_at AS as_of_end, g.starts_at AS gmv_from,
           p.starts_at AS positive_from, v.starts_at AS valid_from
    FROM shops s
    JOIN shop_zones z ON z.shop_id = s.shop_id
    JOIN tt_day_starts e ON e.tz = z.tz AND e.day = $as_of + 1
    JOIN tt_day_starts g ON g.tz = z.tz AND g.day = $as_of - CAST($gmv_window_days AS INTEGER) + 1
    JOIN tt_day_starts p ON p.tz = z.tz AND p.day = $as_of - CAST($positive_window_days AS INTEGER) + 1
    JOIN tt_day_starts v ON v.tz = z.tz AND v.day = $as_of - CAST($valid_review_window_days AS INTEGER) + 1
    WHERE s.platform = 'douyin'
), gmv AS (
    SELECT d.shop_id, sum(o.amount) AS gmv_30d, count(*) AS orders_30d
    FROM dy d JOIN orders o USING (shop_id)
    WHERE o.created_at >= $orders_since  -- the window's earliest instant (Context.since): skips row groups
      AND o.created_at >= d.gmv_from AND o.created_at < d.as_of_end
      AND (o.cancelled_at IS NULL OR o.cancelled_at >= d.as_of_end)
    GROUP BY d.shop_id
), latest_rating AS (
    SELECT shop_id, arg_max(rating, date) AS dsr, max(date) AS dsr_date,
           arg_max(positive_review_rate, date) FILTER (WHERE positive_review_rate IS NOT NULL) AS platform_positive_rate
    FROM shop_ratings WHERE date <= $as_of
    GROUP BY shop_id
), review_window AS (
    SELECT d.shop_id,
           count(*) FILTER (WHERE r.created_at >= d.positive_from) AS reviews_60d,
           count(*) FILTER (WHERE r.created_at >= d.positive_from AND r.rating >= $positive_min_stars)
               AS positive_reviews_60d,
           count(*) FILTER (WHERE $valid_review_window_days = 0 OR r.created_at >= d.valid_from) AS valid_reviews
    FROM dy d JOIN reviews r USING (shop_id)
    WHERE ($reviews_since IS NULL OR r.created_at >= $reviews_since)
      AND r.created_at < d.as_of_end
    GROUP BY d.shop_id
), evasion AS (
    SELECT d.shop_id, count(*) AS evasion_penalties_365d
    FROM dy d JOIN violations v USING (shop_id)
    WHERE v.violation_type = 'evasive_information'
      AND coalesce(v.appeal_status, 'none') <> 'overturned'
      AND CAST(v.recorded_at AT TIME ZONE d.tz AS DATE) > $as_of - CAST($evasion_window_days AS INTEGER)
      AND CAST(v.recorded_at AT TIME ZONE d.tz AS DATE) <= $as_of
    GROUP BY d.shop_id
), penalised AS (
    -- Douyin shops with a serious-violation penalty (not overturned) up to the as-of date
    SELECT DISTINCT d.shop_id
    FROM dy d JOIN violations v USING (shop_id)
    WHERE list_contains($serious_violation_types, v.violation_type)
      AND coalesce(v.appeal_status, 'none') <> 'overturned'
      AND CAST(v.recorded_at AT TIME ZONE d.tz AS DATE) <= $as_of
), related AS (
    -- other Douyin shops of the same controller, and those of them that were penalised
    SELECT d.shop_id, count(*) AS related_shops,
           list_sort(list(o.shop_id) FILTER (WHERE p.shop_id IS NOT NULL)) AS related_shops_penalised
    FROM dy d
    JOIN dy o ON o.controller_id = d.controller_id AND o.shop_id <> d.shop_id
    LEFT JOIN penalised p ON p.shop_id = o.shop_id
    GROUP BY d.shop_id
), measured AS (
    SELECT d.shop_id, d.status, d.controller_id,
           coalesce(g.gmv_30d, 0) AS gmv_30d,
           lr.dsr, lr.dsr_date,
           coalesce(rw.reviews_60d, 0) AS reviews_60d,
           coalesce(rw.positive_reviews_60d, 0) AS positive_reviews_60d,
           CASE WHEN rw.reviews_60d > 0 THEN rw.positive_reviews_60d / rw.reviews_60d END AS reviews_positive_rate,
           lr.platform_positive_rate,
           coalesce(rw.valid_reviews, 0) AS valid_reviews,
           coalesce(e.evasion_penalties_365d, 0) AS evasion_penalties_365d,
           coalesce(rl.related_shops, 0) AS related_shops,
           coalesce(rl.related_shops_penalised, []) AS related_shops_penalised
    FROM dy d
    LEFT JOIN gmv g USING (shop_id)
    LEFT JOIN latest_rating lr USING (shop_id)
    LEFT JOIN review_window rw USING (shop_id)
    LEFT JOIN evasion e USING (shop_id)
    LEFT JOIN related rl USING (shop_id)
), rated AS (
    SELECT *,
           CASE $positive_rate_source
               WHEN 'reviews' THEN reviews_positive_rate
               WHEN 'shop_ratings' THEN platform_positive_rate
               ELSE coalesce(platform_positive_rate, reviews_positive_rate)
           END AS positive_rate
    FROM measured
), checked AS (
    SELECT *,
           status = 'active' AS al_open,
           gmv_30d > 0 AS al_gmv,
           coalesce(dsr >= $min_rating, false) AS al_rating,
           coalesce(positive_rate >= $min_positive_rate, false) AS al_positive,
           evasion_penalties_365d = 0 AS al_evasion,
           array_length(related_shops_penalised) = 0 AS al_related
    FROM rated
)
SELECT shop_id,
       al_open AND al_gmv AND al_rating AND al_positive AND al_evasion AND al_related AS eligible,
       valid_reviews > $min_valid_reviews_exclusive AND al_rating AND al_positive AS formal_only,
       coalesce(dsr < $min_rating, false) OR coalesce(positive_rate < $min_positive_rate, false) AS warning,
       CASE WHEN al_open THEN [] ELSE ['AL-OPEN'] END
       || CASE WHEN al_gmv THEN [] ELSE ['AL-GMV'] END
       || CASE WHEN al_rating THEN [] ELSE ['AL-RATING'] END
       || CASE WHEN al_positive THEN [] ELSE ['AL-POSITIVE'] END
       || CASE WHEN al_evasion THEN [] ELSE ['AL-EVASION'] END
       || CASE WHEN al_related THEN [] ELSE ['AL-RELATED'] END AS failed,
       status, gmv_30d, dsr, dsr_date, positive_rate, reviews_60d, positive_reviews_60d,
       platform_positive_rate, valid_reviews, evasion_penalties_365d, controller_id, related_shops,
       related_shops_penalised
FROM checked
ORDER BY shop_id
