-- name: settlement
-- Payout date of every Douyin order confirmed received (orders.completed_at) by the as-of date
-- with no after-sales request (no `returns` row requested by then). Half-monthly cycle in the
-- shop's local dates (Asia/Shanghai for CN): confirmed on day 1..$split_day -> paid on day
-- $split_day + 1 of the same month; confirmed later -> paid on the 1st of the next month.
-- `pending`: the payout is after the as-of date; `pending_at_closure`: after the shop's closure.
-- Rules: SETTLE (and DEP-REFUND-COND: payouts not yet settled, read by deposit.sql).
WITH confirmed AS (
    SELECT o.order_id, o.shop_id, s.closed_at,
           CAST(o.completed_at AT TIME ZONE z.tz AS DATE) AS confirmed_on
    FROM orders o
    JOIN shops s ON s.shop_id = o.shop_id
    JOIN shop_zones z ON z.shop_id = o.shop_id
    WHERE s.platform = 'douyin'
      AND o.completed_at IS NOT NULL
      AND CAST(o.completed_at AT TIME ZONE z.tz AS DATE) <= $as_of
      AND NOT EXISTS (SELECT 1 FROM returns r
                      WHERE r.order_id = o.order_id
                        AND CAST(r.requested_at AT TIME ZONE z.tz AS DATE) <= $as_of)
), paid AS (
    SELECT *,
           CASE WHEN extract(day FROM confirmed_on) <= $split_day
                THEN CAST(date_trunc('month', confirmed_on) AS DATE) + CAST($split_day AS INTEGER)
                ELSE CAST(date_trunc('month', confirmed_on) + INTERVAL 1 MONTH AS DATE)
           END AS payout_on
    FROM confirmed
)
SELECT order_id, shop_id, confirmed_on, payout_on,
       payout_on > $as_of AS pending,
       CASE WHEN closed_at IS NOT NULL AND closed_at <= $as_of THEN payout_on > closed_at END AS pending_at_closure
FROM paid
ORDER BY shop_id, payout_on, order_id
