package warehouse

import "testing"

func TestReplicatedArgsStripped(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/members_local', '{replica}', updated_at) ORDER BY member_id SETTINGS index_granularity = 8192",
			"ENGINE = ReplacingMergeTree(updated_at) ORDER BY member_id SETTINGS index_granularity = 8192"},
		{"ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/db/rfm_local', '{replica}') PARTITION BY as_of ORDER BY member_id",
			"ENGINE = MergeTree() PARTITION BY as_of ORDER BY member_id"},
	} {
		if got := replicatedArgsRE.ReplaceAllString(tt.in, "$1("); got != tt.want {
			t.Errorf("strip %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}
