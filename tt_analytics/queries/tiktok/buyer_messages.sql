-- name: tiktok/buyer_messages
-- One row per buyer message of a measured TikTok shop with the first reply after it in the same
-- conversation (a message from one of the parameter reply_senders, by default the seller only;
-- "after" in the order of sent_at, then message_id), the local day it was sent and the local day
-- of the reply. Materialised once; read by cs_frt and cs_reply_rate. Only messages sent from
-- $since (the longest CS window before the first as-of date, less a day for time zones:
-- tiktok.metric_lookback); a reply is never earlier than its message, so none is lost.
-- The reply is found with an equality join on the conversation (conversations are short) rather
-- than a window partitioned by conversation, which costs more with many small conversations.
-- Rules: CS-FRT, CS-RR24, CS-RR48.
WITH m AS (
    SELECT m.message_id, m.conversation_id, m.shop_id, m.sender, m.sent_at, z.tz
    FROM messages m
    JOIN shop_zones z ON z.shop_id = m.shop_id
    WHERE z.platform = 'tiktok' AND list_contains($regions, z.region)
      AND m.sent_at >= $since  -- the windows' earliest instant (Context.since): skips row groups
),
first_reply AS (
    SELECT b.message_id, b.conversation_id, b.shop_id, min(r.sent_at) AS reply_at
    FROM m b
    JOIN m r
      ON r.shop_id = b.shop_id AND r.conversation_id = b.conversation_id
     AND (r.sent_at > b.sent_at OR (r.sent_at = b.sent_at AND r.message_id > b.message_id))
    WHERE b.sender = 'buyer' AND list_contains($reply_senders, r.sender)
    GROUP BY b.message_id, b.conversation_id, b.shop_id
)
SELECT b.message_id, b.shop_id, b.tz, b.sent_at, f.reply_at,
       CAST(b.sent_at AT TIME ZONE b.tz AS DATE) AS sent_day,
       CAST(f.reply_at AT TIME ZONE b.tz AS DATE) AS reply_day
FROM m b
LEFT JOIN first_reply f
  ON f.message_id = b.message_id AND f.conversation_id = b.conversation_id AND f.shop_id = b.shop_id
WHERE b.sender = 'buyer'
