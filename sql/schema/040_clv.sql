-- clv: customer lifetime value per member and as_of, from the BG/NBD
-- purchase model and the Gamma-Gamma spend model (model clv; fitted
-- parameters in model_params, fit diagnostics in model_metrics). One row
-- per member with a paid order on or before as_of. A re-run of an as_of
-- replaces its partition.
CREATE TABLE IF NOT EXISTS clv
(
    as_of               Date    COMMENT 'Business date the values are for (inclusive, business time zone)',
    member_id           String  COMMENT 'Member key',
    frequency           UInt32  COMMENT 'Repeat purchases: distinct paid purchase days up to as_of, minus one',
    recency_days        UInt32  COMMENT 'Days from the first to the last purchase day (BG/NBD t_x)',
    age_days            UInt32  COMMENT 'Days from the first purchase day to as_of (BG/NBD T)',
    mean_repeat_value   Float64 COMMENT 'Mean paid value of the repeat purchase days (0 without repeat purchases)',
    monetary            Float64 COMMENT 'Total paid value up to as_of',
    p_alive             Float64 COMMENT 'Probability the member is still active (BG/NBD P(alive))',
    expected_purchases  Float64 COMMENT 'Expected purchase days over the horizon (models.clv.horizon_days)',
    expected_aov        Float64 COMMENT 'Expected value of a future purchase day (Gamma-Gamma conditional mean)',
    clv                 Float64 COMMENT 'Expected value over the horizon, discounted monthly at models.clv.annual_discount_rate',
    clv_decile          UInt8   COMMENT 'Decile of clv among members of this as_of: 10 = highest',
    spend_decile        UInt8   COMMENT 'Decile of monetary (past spend) among members of this as_of: 10 = highest',
    run_id              String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY member_id;

CREATE VIEW IF NOT EXISTS clv_latest AS
SELECT * FROM clv WHERE as_of = (SELECT max(as_of) FROM clv);
