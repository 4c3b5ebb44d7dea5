-- Failing rows: events whose type is not one of the known types (the
-- schema allows any string, so this is a warning by default).
SELECT countIf(event_type NOT IN ('login', 'page_view', 'product_view', 'add_to_cart', 'campaign_open',
    'campaign_click', 'review', 'share', 'referral', 'checkin', 'points_earned', 'points_redeemed', 'nps_survey'))
FROM events_current
