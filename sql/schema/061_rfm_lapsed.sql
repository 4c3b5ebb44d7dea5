-- rfm: F and M (and R) are scored among the buyers with a paid order in the
-- window; lapsed buyers (none in the window) get scores 0, rfm_cell 000 and
-- the models.rfm.lapsed_segment segment (default Lapsed). Comment only; rows
-- are rewritten on the next run.
ALTER TABLE rfm COMMENT COLUMN r_score 'Recency score 1-5 (5 = most recent) among buyers with a paid order in the window: 1 + floor(5 x those with a strictly longer recency / those buyers); ties share a score; 0 = lapsed (no order in the window)';
ALTER TABLE rfm COMMENT COLUMN f_score 'Frequency score 1-5 (5 = most orders) among buyers with a paid order in the window: 1 + floor(5 x those with strictly lower frequency / those buyers); 0 = lapsed';
ALTER TABLE rfm COMMENT COLUMN m_score 'Monetary score 1-5 (5 = highest spend) among buyers with a paid order in the window: 1 + floor(5 x those with strictly lower monetary / those buyers); 0 = lapsed';
ALTER TABLE rfm COMMENT COLUMN rfm_cell 'The three scores as digits, e.g. 545; 000 for lapsed buyers';
ALTER TABLE rfm COMMENT COLUMN segment 'Named segment from the R/F map (models.rfm.segments): Champions, Loyal, ..., Lost; lapsed buyers (no paid order in the window) get models.rfm.lapsed_segment (Lapsed)';
ALTER TABLE rfm COMMENT COLUMN value_layer 'Value layer from the monetary score (models.rfm.value_layers): high, mid-high, mid-low, low; lapsed buyers get the lowest';
ALTER TABLE member_profile COMMENT COLUMN r_score 'rfm.r_score (0 = no rfm row or lapsed: check rfm_segment)';
ALTER TABLE member_profile COMMENT COLUMN f_score 'rfm.f_score (0 = no rfm row or lapsed)';
ALTER TABLE member_profile COMMENT COLUMN m_score 'rfm.m_score (0 = no rfm row or lapsed)';
