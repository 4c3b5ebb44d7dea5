package config

import (
	"strings"
	"testing"
)

func TestClusterValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cluster Cluster
		addr    string
		enabled bool
		wantErr string // empty: valid
	}{
		{"one server", Cluster{}, "127.0.0.1:9000", false, ""},
		{"two shards", Cluster{Name: "memberlytics", Shards: []string{"ch-1:9000", "ch-2:9000"}}, "ch-2:9000", true, ""},
		{"on cluster", Cluster{Name: "c1", Shards: []string{"ch-1:9000"}, OnCluster: true}, "ch-1:9000", true, ""},
		{"on_cluster without name", Cluster{OnCluster: true}, "127.0.0.1:9000", false, "clickhouse.cluster.name: must be set"},
		{"addr outside", Cluster{Name: "c1", Shards: []string{"ch-1:9000"}}, "ch-9:9000", true, "clickhouse.addr: must be one of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := Default()
			cfg.ClickHouse.Addr, cfg.ClickHouse.Cluster = tt.addr, tt.cluster
			if got := cfg.ClickHouse.Cluster.Enabled(); got != tt.enabled {
				t.Errorf("Enabled() = %v, want %v", got, tt.enabled)
			}
			err := cfg.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
