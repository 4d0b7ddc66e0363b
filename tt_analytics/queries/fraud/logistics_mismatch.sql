-- name: fraud/logistics_mismatch
-- FT-LOGISTICS: order and logistics data disagree. (a) The parcel's last `delivered` scan (up to the
-- as-of date) is in another zip than the order's ship_to_zip; (b) the order's ship_from_zip is not
-- the shop's origin_zip. One row per order and check.
-- Rule ID: FT-LOGISTICS (004 §2.1 "交易物流追踪数据与收/发货地址不一致"; 002 虚假履约
-- "买家的收货地址与物流目的地不一致", "订单数据与物流数据不一致").
-- The last delivered zip per tracking number comes from fraud_parcel_scans (parcel_scans.sql).
SELECT o.order_id, o.shop_id, 'FT-LOGISTICS' AS signal, 'delivered_elsewhere' AS check_name,
       CAST($delivered_elsewhere_weight AS DOUBLE) AS weight,
       'delivered to zip ' || d.delivered_zip || ', not the order''s zip ' || o.ship_to_zip AS evidence
FROM fraud_orders o
JOIN fraud_parcel_scans d ON d.tracking_number = o.tracking_number
WHERE o.ship_to_zip IS NOT NULL AND d.delivered_zip <> o.ship_to_zip
UNION ALL
SELECT o.order_id, o.shop_id, 'FT-LOGISTICS', 'shipped_elsewhere',
       CAST($shipped_elsewhere_weight AS DOUBLE),
       'shipped from zip ' || o.ship_from_zip || ', not the shop''s origin ' || s.origin_zip
FROM fraud_orders o
JOIN shops s ON s.shop_id = o.shop_id
WHERE o.ship_from_zip IS NOT NULL AND s.origin_zip IS NOT NULL AND o.ship_from_zip <> s.origin_zip
