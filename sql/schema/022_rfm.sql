-- rfm: recency, frequency, monetary and their 1-5 scores, one row per
-- buyer (member with at least one paid order up to as_of) and as_of.
CREATE TABLE IF NOT EXISTS rfm
(
    as_of          Date              COMMENT 'Business date the row is for (inclusive, business time zone)',
    member_id      String            COMMENT 'Member key',
    first_order_at DateTime('UTC')   COMMENT 'First paid order up to as_of (UTC)',
    last_order_at  DateTime('UTC')   COMMENT 'Last paid order up to as_of (UTC)',
    recency_days   UInt32            COMMENT 'Days from the business day of the last paid order to as_of (0 = bought on as_of)',
    frequency      UInt32            COMMENT 'Paid orders in the window (models.rfm.window_days days ending at as_of)',
    monetary       Decimal(18, 2)    COMMENT 'Net spend in the window: sum of amount of paid orders (refunded and cancelled orders count nowhere)',
    orders_total   UInt32            COMMENT 'Paid orders up to as_of, all time',
    aov            Float64           COMMENT 'Average order value in the window: monetary / frequency (0 when frequency is 0)',
    aov_recent     Float64           COMMENT 'Average order value of the last models.rfm.trend_days days (0 without orders)',
    aov_prior      Float64           COMMENT 'Average order value of the trend_days days before those (0 without orders)',
    aov_trend      Nullable(Float64) COMMENT 'aov_recent / aov_prior - 1; NULL unless both periods have paid orders',
    r_score        UInt8             COMMENT 'Recency score 1-5 (5 = most recent): 1 + floor(5 x buyers with a strictly longer recency / buyers); ties share a score',
    f_score        UInt8             COMMENT 'Frequency score 1-5 (5 = most orders): 1 + floor(5 x buyers with strictly lower frequency / buyers)',
    m_score        UInt8             COMMENT 'Monetary score 1-5 (5 = highest spend): 1 + floor(5 x buyers with strictly lower monetary / buyers)',
    rfm_cell       String            COMMENT 'The three scores as digits, e.g. 545',
    segment        String            COMMENT 'Named segment from the R/F map (models.rfm.segments): Champions, Loyal, ..., Lost',
    value_layer    String            COMMENT 'Value layer from the monetary score (models.rfm.value_layers): high, mid-high, mid-low, low',
    run_id         String            COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

CREATE VIEW IF NOT EXISTS rfm_latest AS
SELECT * FROM rfm WHERE as_of = (SELECT max(as_of) FROM rfm);
