-- name: tiktok/buyer_messages
-- One row per buyer message of a measured TikTok shop with the first reply after it in the same
-- conversation (a message from one of the parameter reply_senders, by default the seller only),
-- the local day it was sent and the local day of the reply. Materialised once; read by cs_frt and
-- cs_reply_rate. Only messages sent from $since (the longest CS window before the first as-of date,
-- less a day for time zones: tiktok.metric_lookback).
-- Rules: CS-FRT, CS-RR24, CS-RR48.
WITH m AS (
    SELECT m.*, z.tz,
           min(CASE WHEN list_contains($reply_senders, m.sender) THEN m.sent_at END) OVER (
               PARTITION BY m.shop_id, m.conversation_id ORDER BY m.sent_at, m.message_id
               ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS reply_at
    FROM messages m
    JOIN shop_zones z ON z.shop_id = m.shop_id
    WHERE z.platform = 'tiktok' AND list_contains($regions, z.region)
      AND m.sent_at >= $since  -- replies come later, so every message's reply is still seen
)
SELECT message_id, shop_id, tz, sent_at, reply_at,
       CAST(sent_at AT TIME ZONE tz AS DATE) AS sent_day,
       CAST(reply_at AT TIME ZONE tz AS DATE) AS reply_day
FROM m
WHERE sender = 'buyer'
