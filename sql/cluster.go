package sql

// ShardingKey is the expression every member-keyed table is sharded by in
// cluster mode: all of a member's rows (member, orders, events, per-member
// model outputs) live on one shard.
const ShardingKey = "cityHash64(member_id)"

// Sharded maps each member-keyed table of the migrations to its sharding
// key. In cluster mode each of them is a <table>_local MergeTree on every
// shard behind a Distributed table of the same name (docs/cluster.md).
// A new CREATE TABLE must be listed here or in Home: the cluster migration
// runner refuses a table in neither.
var Sharded = map[string]string{
	"members":         ShardingKey,
	"orders":          ShardingKey,
	"events":          ShardingKey,
	"rfm":             ShardingKey,
	"engagement":      ShardingKey,
	"lifecycle":       ShardingKey,
	"tiers":           ShardingKey,
	"member_profile":  ShardingKey,
	"segment_members": ShardingKey,
	"clv":             ShardingKey,
	"churn":           ShardingKey,
	"potential":       ShardingKey,

	// Raw tables of the items and campaigns load kinds.
	"order_items":      ShardingKey,
	"campaign_members": ShardingKey,

	// Per-member outputs of the points and occasions models.
	"points_balance": ShardingKey,
	"occasions":      ShardingKey,
	// Category preference models (models/category_affinity, models/next_category).
	"category_affinity": ShardingKey,
	"next_category":     ShardingKey,
}

// Home lists the tables kept on the initiator (clickhouse.addr) only, in
// cluster mode as on one server: bookkeeping and small aggregates.
var Home = []string{
	"schema_migrations", "load_files", "load_leases", "load_rejects", "model_metrics",
	"model_params", "cohorts", "lifecycle_flow", "tier_migration", "job_runs",
	"model_runs", "snapshots",
	// Per-tier aggregate of the points model.
	"points_programme",

	// Outputs of the campaigns model (models/campaigns).
	"campaign_results", "campaign_funnel",
	// kpi_breakdown's outputs: a few rows per as_of.
	"kpi_breakdown", "kpi_contribution",
}

// IsSharded reports whether table is a member-keyed table that cluster
// mode shards, and its sharding key.
func IsSharded(table string) (key string, ok bool) {
	key, ok = Sharded[table]
	return key, ok
}
