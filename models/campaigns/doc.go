// Package campaigns is the campaigns model: for every campaign assigned
// in campaign_members by as_of, each group's and variant's outcomes over
// the attribution window after assigned_at (members, conversion, orders,
// revenue per member, AOV, tier upgrades), the uplift of treatment over
// control with 95% intervals and p-values (two-proportion z-test and
// Welch's t, both also by a seeded percentile bootstrap), incremental
// revenue, ROI and the sample ratio mismatch check; a campaign without a
// control group is compared with matched non-targeted members (pre/post,
// labelled evidence = 'pre_post'). It also writes the upgrade funnel of
// members the tiers model flagged near an upgrade. ClickHouse aggregates
// per group (campaigns.sql); the statistics are models/uplift's, applied
// in stats.go (Analyse). Start at Campaigns.Run.
package campaigns
