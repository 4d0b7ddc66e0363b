-- name: tiktok/cs_frt
-- Daily facts of the average first response time: for each buyer message sent in the window and
-- answered by the end of the as-of day, the minutes from the message to the first reply (numerator:
-- total minutes; denominator: answered messages; value = average minutes). Unanswered messages
-- have no response time and are left out (they weigh on CS-RR24/CS-RR48 instead).
-- Rules: CS-FRT.
SELECT shop_id, 'CS-FRT' AS metric, sent_day AS anchor_day, reply_day AS known_day,
       CAST(date_diff('microsecond', sent_at, reply_at) AS DOUBLE) / 60000000.0 AS num, 1.0 AS den
FROM tt_buyer_messages
WHERE reply_at IS NOT NULL
