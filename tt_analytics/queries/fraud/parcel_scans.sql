-- name: fraud/parcel_scans
-- One row per tracking number with carrier events: its first carrier scan (statuses in
-- `scan_statuses`; a printed label is not a scan) and the zip of its last `delivered` scan before
-- the end of the as-of date, for the tracking numbers of the examined orders. One pass over tracking_events for both FT-TRACKING (no scan within
-- 24 h) and FT-LOGISTICS (delivered elsewhere); materialised as the temp table `fraud_parcel_scans`.
-- Rule IDs: FT-TRACKING, FT-LOGISTICS (input).
SELECT tracking_number,
       MIN(event_at) FILTER (WHERE list_contains(CAST($scan_statuses AS VARCHAR[]), status)) AS first_scan_at,
       arg_max(zip, event_at) FILTER (WHERE status = 'delivered' AND zip IS NOT NULL
                                        AND event_at < CAST($window_end AS TIMESTAMPTZ)) AS delivered_zip
FROM tracking_events
SEMI JOIN fraud_orders USING (tracking_number)  -- only the examined orders' parcels are looked up
GROUP BY tracking_number
