-- name: tiktok/points
-- The `points` output: one row per TikTok shop and as-of date. active_points from the ledger;
-- threshold = highest threshold reached (0 if none) and the day it was crossed; next_threshold;
-- warning when within $warn_within points of the next threshold; terminated (reached
-- $terminate_at, or a terminated status); penalties in force (strings with rule ID and dates);
-- projected_points = active points + the points the current metric tiers would add; shops linked
-- through the same controller that have penalties in force.
-- Rules: VP-T12, VP-T24, VP-T36, VP-T48, VP-WARN, VP-PERMANENT, LINKED (and the ledger rules).
WITH base AS (
    SELECT a.shop_id, a.day AS as_of, a.active_points, a.terminated, a.terminated_on
    FROM tt_active_points a
    JOIN as_of_dates d ON d.as_of = a.day
),
levels AS (
    SELECT b.shop_id, b.as_of,
           coalesce(max(t.threshold) FILTER (WHERE t.threshold <= b.active_points), 0) AS threshold,
           min(t.threshold) FILTER (WHERE t.threshold > b.active_points) AS next_threshold
    FROM base b CROSS JOIN tt_vp_thresholds t
    GROUP BY ALL
),
in_force AS (
    SELECT shop_id, as_of,
           list(rule || ': ' || penalty || ' (' || CAST(start_date AS VARCHAR) || ' to '
                || coalesce(CAST(end_date AS VARCHAR), 'permanent') || ')' ORDER BY threshold, penalty) AS penalties
    FROM penalty_periods
    WHERE in_force
    GROUP BY ALL
),
metric_pts AS (
    SELECT shop_id, as_of, sum(points) AS points FROM metric_points GROUP BY ALL
),
crossed AS (
    SELECT shop_id, as_of, threshold, min(start_date) AS crossed_on
    FROM penalty_periods GROUP BY ALL
),
rows AS (
    SELECT b.*, l.threshold, l.next_threshold,
           c.crossed_on AS threshold_reached_on,
           (NOT b.terminated AND l.next_threshold IS NOT NULL
            AND l.next_threshold - b.active_points <= $warn_within) AS warning,
           CASE WHEN b.terminated
                THEN list_concat(['VP-PERMANENT: e-commerce permission permanently revoked'],
                                 coalesce(f.penalties, []))
                ELSE coalesce(f.penalties, []) END AS penalties,
           b.active_points + coalesce(m.points, 0) AS projected_points
    FROM base b
    JOIN levels l ON l.shop_id = b.shop_id AND l.as_of = b.as_of
    LEFT JOIN crossed c ON c.shop_id = b.shop_id AND c.as_of = b.as_of AND c.threshold = l.threshold
    LEFT JOIN in_force f ON f.shop_id = b.shop_id AND f.as_of = b.as_of
    LEFT JOIN metric_pts m ON m.shop_id = b.shop_id AND m.as_of = b.as_of
),
linked AS (
    SELECT r.shop_id, r.as_of, list(o.shop_id ORDER BY o.shop_id) AS linked_shops_penalised
    FROM rows r
    JOIN shops s ON s.shop_id = r.shop_id
    JOIN shops so ON $linked_by = 'controller_id' AND so.controller_id = s.controller_id AND so.shop_id <> s.shop_id
    JOIN rows o ON o.shop_id = so.shop_id AND o.as_of = r.as_of AND array_length(o.penalties) > 0
    GROUP BY ALL
)
SELECT r.shop_id, r.as_of, r.active_points, r.projected_points, r.threshold, r.threshold_reached_on,
       r.next_threshold, r.warning, r.terminated, r.terminated_on, r.penalties,
       coalesce(k.linked_shops_penalised, []) AS linked_shops_penalised
FROM rows r
LEFT JOIN linked k ON k.shop_id = r.shop_id AND k.as_of = r.as_of
ORDER BY r.shop_id, r.as_of
