-- name: tiktok/order_facts
-- One row per order of a measured TikTok shop: local creation day (shop's reporting time zone),
-- dispatch deadline after SLA extensions, whether the order is late and on which local day that
-- became known, cancellation day and whether the cancellation is a seller fault.
-- Read by sfcr, ldr, nrr, drr and metric_points (OVL average daily orders); materialised once.
-- Only orders created from $since (tiktok.metric_lookback: the longest window of those metrics
-- and of the OVL average, before the first as-of date, less a day for time zones).
-- Rules: SFCR (seller-fault cancellation definition), LDR (late dispatch), SLA extension (RULES.md §6).
WITH measured AS (
    SELECT o.*, z.region, z.tz,
           CAST(o.created_at AT TIME ZONE z.tz AS DATE) AS created_day
    FROM orders o
    JOIN shop_zones z ON z.shop_id = o.shop_id
    WHERE z.platform = 'tiktok' AND list_contains($regions, z.region)
      AND o.created_at >= $since  -- earliest instant a window reaches (Context.since): skips row groups
),
-- §6: an extension applies to orders of its region (and ship-from zip, when given) created on a
-- covered local day; when several apply the largest wins.
extension AS (
    SELECT m.order_id, max(e.extra_days) AS extra_days
    FROM measured m
    JOIN sla_extensions e
      ON e.region = m.region
     AND (e.ship_from_zip IS NULL OR e.ship_from_zip = m.ship_from_zip)
     AND m.created_day BETWEEN e.created_from AND e.created_to
    GROUP BY m.order_id
),
deadlines AS (
    SELECT m.*,
           coalesce(x.extra_days, 0) AS sla_extra_days,
           coalesce(m.ship_by,
                    CASE WHEN $sla_from = 'paid_at' THEN coalesce(m.paid_at, m.created_at) ELSE m.created_at END
                    + CAST($sla_hours AS BIGINT) * INTERVAL 1 HOUR)
             + CAST(coalesce(x.extra_days, 0) AS INTEGER) * INTERVAL 1 DAY AS deadline
    FROM measured m
    LEFT JOIN extension x ON x.order_id = m.order_id
)
SELECT order_id, shop_id, region, tz, created_day, deadline, sla_extra_days, shipped_at, cancelled_at,
       greatest(created_day, CAST(deadline AT TIME ZONE tz AS DATE)) AS deadline_day,
       -- late: not dispatched by the deadline; an order cancelled before its deadline never is
       ((shipped_at IS NULL OR shipped_at > deadline)
        AND NOT coalesce(cancelled_at <= deadline, false)) AS late,
       CAST(cancelled_at AT TIME ZONE tz AS DATE) AS cancel_day,
       (cancelled_at IS NOT NULL AND coalesce(
           (cancel_initiator = 'seller' AND list_contains($seller_reasons, cancel_reason))
        OR (cancel_initiator = 'system' AND list_contains($system_reasons, cancel_reason)), false))
         AS seller_fault_cancel
FROM deadlines
