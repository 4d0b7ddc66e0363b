-- name: fraud/order_products
-- One row per (examined order, product): the order's shop, buyer, buyer group and time, and the
-- units of the product in it. Materialised once as the temp table `fraud_order_products` and read
-- by bulk buying, FRAUDAR's candidate edges, the dense-block orders and the review rules, instead
-- of each of them joining order_lines again. `counted`: the order was not cancelled before
-- shipping (bulk buying counts only those). `fraud_order_lines`: order_lines, or with several passes
-- over the shops the lines of this pass's orders (fraud._prepare_orders).
-- Rule ID: FT-BULK, FT-REVIEW (input).
SELECT o.order_id, o.shop_id, o.buyer_id, o.group_id, o.created_at, l.product_id, l.units,
       (o.cancelled_at IS NULL OR o.shipped_at IS NOT NULL) AS counted
FROM (SELECT order_id, product_id, SUM(quantity) AS units FROM fraud_order_lines GROUP BY order_id, product_id) l
JOIN fraud_orders o ON o.order_id = l.order_id
