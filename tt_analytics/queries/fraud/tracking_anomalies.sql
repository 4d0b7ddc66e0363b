-- name: fraud/tracking_anomalies
-- FT-TRACKING: (a) tracking number malformed for its carrier (fraud_tracking_validity, filled from
-- the `tracking-numbers` package or the documented regex parameters); (b) the same tracking number
-- on parcels to different addresses; (c) no carrier scan within `no_scan_hours` of shipping (only
-- judged once those hours have passed by the end of the as-of date). One row per order and check.
-- Rule ID: FT-TRACKING (002 虚假履约 "货运单号无效，货运单号重复，货运单号提24小时后仍未更新物流信息";
-- 004 §2.1 "交易追踪号码无效或为虚假号码").
-- reuse: fraud_reused_tracking (reused_tracking_numbers.sql, over every order, once per run);
-- first scans come from fraud_parcel_scans (parcel_scans.sql)
SELECT o.order_id, o.shop_id, 'FT-TRACKING' AS signal, 'tracking_invalid' AS check_name,
       CAST($invalid_weight AS DOUBLE) AS weight,
       'tracking number ' || o.tracking_number || ' is not a valid ' || v.carrier || ' number (' || v.reason || ')' AS evidence
FROM fraud_orders o
JOIN fraud_tracking_validity v ON v.carrier = lower(trim(o.carrier)) AND v.tracking_number = o.tracking_number
WHERE NOT v.valid
UNION ALL
SELECT o.order_id, o.shop_id, 'FT-TRACKING', 'tracking_reused', CAST($reused_weight AS DOUBLE),
       'tracking number ' || o.tracking_number || ' is on ' || CAST(r.n_parcels AS VARCHAR) || ' parcels to '
           || CAST(r.n_addresses AS VARCHAR) || ' different addresses'
FROM fraud_orders o
JOIN fraud_reused_tracking r ON r.tracking_number = o.tracking_number
UNION ALL
SELECT o.order_id, o.shop_id, 'FT-TRACKING', 'tracking_no_scan', CAST($no_scan_weight AS DOUBLE),
       CASE WHEN f.first_scan_at IS NULL
            THEN 'no carrier scan since shipping on ' || strftime(o.shipped_at, '%Y-%m-%d %H:%M') || ' UTC'
            ELSE 'first carrier scan ' || CAST(CAST(floor(date_diff('minute', o.shipped_at, f.first_scan_at) / 60) AS BIGINT) AS VARCHAR)
                 || ' h after shipping (limit ' || CAST($no_scan_hours AS VARCHAR) || ' h)'
       END
FROM fraud_orders o
LEFT JOIN fraud_parcel_scans f ON f.tracking_number = o.tracking_number
WHERE o.tracking_number IS NOT NULL AND o.shipped_at IS NOT NULL
  AND o.shipped_at + to_hours(CAST($no_scan_hours AS BIGINT)) <= CAST($window_end AS TIMESTAMPTZ)
  AND (f.first_scan_at IS NULL OR f.first_scan_at > o.shipped_at + to_hours(CAST($no_scan_hours AS BIGINT)))
