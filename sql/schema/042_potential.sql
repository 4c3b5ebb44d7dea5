-- potential: high-potential members per as_of (model potential), one row
-- per member and reason; a member can have several reasons. Also
-- published to segment_members as family 'potential', segment = reason.
CREATE TABLE IF NOT EXISTS potential
(
    as_of     Date    COMMENT 'Business date (inclusive, business time zone)',
    member_id String  COMMENT 'Member key',
    reason    String  COMMENT 'clv_above_spend (CLV decile at least models.potential.decile_gap above past-spend decile), engaged_low_spend (top engagement quartile, bottom spend half) or rising_value (order value and frequency up on the previous window)',
    score     Float64 COMMENT 'Strength of the reason: decile gap, engagement events, or order value growth ratio',
    run_id    String  COMMENT 'Run that wrote the row'
)
ENGINE = MergeTree()
PARTITION BY as_of
ORDER BY (reason, member_id);

CREATE VIEW IF NOT EXISTS potential_latest AS
SELECT * FROM potential WHERE as_of = (SELECT max(as_of) FROM potential);
