-- name: fraud/self_purchase
-- FT-SELF: orders whose buyer account, phone, address or device equals one of the shop's own or
-- staff identities (seller_identities of the same shop). One row per order and matching kind.
-- Rule ID: FT-SELF (004 §2.1 "交易由卖家本人，与卖家本人有关系的个人或卖家团伙拍下").
WITH order_identities AS (
    SELECT order_id, shop_id, 'buyer_id' AS kind, buyer_id AS value FROM fraud_orders
    UNION ALL
    SELECT order_id, shop_id, 'phone_hash', buyer_phone_hash FROM fraud_orders WHERE buyer_phone_hash IS NOT NULL
    UNION ALL
    SELECT order_id, shop_id, 'address_hash', ship_to_address_hash FROM fraud_orders WHERE ship_to_address_hash IS NOT NULL
    UNION ALL
    SELECT order_id, shop_id, 'device_hash', buyer_device_hash FROM fraud_orders WHERE buyer_device_hash IS NOT NULL
)
SELECT oi.order_id, oi.shop_id, 'FT-SELF' AS signal, 'self_purchase' AS check_name,
       CAST($weight AS DOUBLE) AS weight,
       CASE oi.kind
           WHEN 'buyer_id' THEN 'buyer account is one of the seller''s own accounts'
           WHEN 'phone_hash' THEN 'buyer phone is the seller''s or staff''s phone'
           WHEN 'address_hash' THEN 'delivery address is the seller''s or staff''s address'
           ELSE 'ordered from the seller''s or staff''s device'
       END AS evidence
FROM order_identities oi
JOIN seller_identities si ON si.shop_id = oi.shop_id AND si.kind = oi.kind AND si.value = oi.value
