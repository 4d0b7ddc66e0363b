-- name: flash_sale_checks
-- One row per flash sale of a TikTok shop: price and schedule checks and the highest valid price.
-- History: non-flash-sale order lines (is_flash_sale not true, quantity > 0) of the same shop and
-- product in orders created in the $price_history_days x 24 h before the sale starts, cancelled
-- orders excluded; unit_price is per unit, before platform discounts, without shipping or tax.
-- Orders are read from $history_since, the earliest sale's start less the history days (sales
-- span any time, so the bound comes from the data, not from the as-of date); order lines have no
-- time column and are read whole.
-- Rules: FS-PRICE-HIST (history: price <= lowest unit price paid), FS-PRICE-NEW (no history:
-- price < original_price), FS-ONE (no overlapping flash sale of the same product), FS-DURATION
-- (end - start <= $max_duration_hours).
WITH sales AS (
    SELECT f.*, f.start_at - CAST($price_history_days AS INTEGER) * INTERVAL 1 DAY AS history_from
    FROM flash_sales f JOIN shops s USING (shop_id) WHERE s.platform = 'tiktok'
), history AS (
    SELECT f.flash_sale_id, min(l.unit_price) AS lowest_price_30d, count(*) AS order_lines_30d
    FROM sales f
    JOIN orders o ON o.shop_id = f.shop_id
    JOIN order_lines l ON l.order_id = o.order_id AND l.product_id = f.product_id
    WHERE o.created_at >= $history_since  -- the earliest sale's history start: skips row groups
      AND o.created_at >= f.history_from
      AND o.created_at < f.start_at
      AND (o.cancelled_at IS NULL OR o.cancelled_at >= f.start_at)
      AND coalesce(l.is_flash_sale, false) = false
      AND l.quantity > 0
    GROUP BY f.flash_sale_id
), overlapping AS (
    SELECT a.flash_sale_id, list_sort(list(b.flash_sale_id)) AS overlapping_sales
    FROM sales a JOIN sales b
      ON b.shop_id = a.shop_id AND b.product_id = a.product_id AND b.flash_sale_id <> a.flash_sale_id
     AND b.start_at < a.end_at AND a.start_at < b.end_at
    GROUP BY a.flash_sale_id
), checked AS (
    SELECT f.flash_sale_id, f.shop_id, f.product_id, f.price, f.original_price, f.start_at, f.end_at,
           h.lowest_price_30d, coalesce(h.order_lines_30d, 0) AS order_lines_30d,
           coalesce(o.overlapping_sales, []) AS overlapping_sales,
           CAST(date_diff('second', f.start_at, f.end_at) AS DOUBLE) / 3600.0 AS duration_hours,
           CASE WHEN h.lowest_price_30d IS NOT NULL THEN round(f.price, 2) <= round(h.lowest_price_30d, 2) END AS price_hist_ok,
           CASE WHEN h.lowest_price_30d IS NULL THEN coalesce(round(f.price, 2) < round(f.original_price, 2), false) END AS price_new_ok,
           o.flash_sale_id IS NULL AS one_ok,
           date_diff('second', f.start_at, f.end_at) <= $max_duration_hours * 3600 AS duration_ok,
           CASE WHEN h.lowest_price_30d IS NOT NULL THEN h.lowest_price_30d
                WHEN round(f.original_price - $new_product_price_step, 2) > 0
                    THEN round(f.original_price - $new_product_price_step, 2)
           END AS max_allowed_price
    FROM sales f
    LEFT JOIN history h USING (flash_sale_id)
    LEFT JOIN overlapping o USING (flash_sale_id)
)
SELECT flash_sale_id, shop_id, product_id,
       coalesce(price_hist_ok, price_new_ok) AND one_ok AND duration_ok AS ok,
       CASE WHEN price_hist_ok = false THEN ['FS-PRICE-HIST'] ELSE [] END
       || CASE WHEN price_new_ok = false THEN ['FS-PRICE-NEW'] ELSE [] END
       || CASE WHEN one_ok THEN [] ELSE ['FS-ONE'] END
       || CASE WHEN duration_ok THEN [] ELSE ['FS-DURATION'] END AS failed,
       max_allowed_price, price, original_price, lowest_price_30d, order_lines_30d,
       overlapping_sales, start_at, end_at, duration_hours
FROM checked
ORDER BY flash_sale_id
