package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func noEnv(string) string { return "" }

// badConfigs lists every testdata/*.bad.yml file with the key path and
// reason its error must name; the table is the contract users see.
var badConfigs = []struct {
	file    string
	wantKey string
	reason  string
	// hidden is a secret in the file the error must not show.
	hidden string
}{
	{"unknown_key.bad.yml", "clickhouse.adress (line 2)", "unknown key", ""},
	{"wrong_type_int.bad.yml", "clickhouse.max_open_conns (line 2)", "want a whole number, got string \"eight\"", ""},
	{"wrong_type_duration.bad.yml", "clickhouse.dial_timeout (line 2)", "want a duration", ""},
	{"wrong_type_bool.bad.yml", "clickhouse.tls.enabled (line 3)", "want true or false", ""},
	{"zero_pool.bad.yml", "clickhouse.max_open_conns", "must be at least 1, got 0", ""},
	{"addr_no_port.bad.yml", "clickhouse.addr", "must be host:port", ""},
	{"compression.bad.yml", "clickhouse.compression", "must be auto, lz4 or none, got \"zstd\"", ""},
	{"bad_database.bad.yml", "clickhouse.database", "plain identifier", ""},
	{"bad_timezone.bad.yml", "business_timezone", "IANA time zone", ""},
	{"bad_log_level.bad.yml", "log.level", "must be one of debug", ""},
	{"section_not_mapping.bad.yml", "clickhouse (line 1)", "want a mapping", ""},
	{"port_range.bad.yml", "local.tcp_port", "between 0 and 65535", ""},
	{"password_both.bad.yml", "clickhouse.password_file", "not both", ""},
	{"tls_disabled.bad.yml", "clickhouse.tls.enabled", "other tls keys are set", ""},
	{"jobs_bad_cron.bad.yml", "jobs.schedules[0].cron", "invalid cron expression", ""},
	{"jobs_bad_timezone.bad.yml", "jobs.schedules[0].timezone", "IANA time zone", ""},
	{"jobs_retry_jitter.bad.yml", "jobs.retry.jitter", "between 0 and 1", ""},
	{"jobs_heartbeat.bad.yml", "jobs.heartbeat_interval", "at least 1s", ""},
	{"server_public_no_token.bad.yml", "server.listen", "not a loopback address", ""},
	{"jobs_bad_severity.bad.yml", "jobs.checks.severity.orders_unknown_member", "warn, fail or off", ""},
	{"duplicate_key.bad.yml", "clickhouse.addr (line 3)", "key given twice", ""},
	{"loaders_batch_rows.bad.yml", "loaders.batch_rows", "between 1 and 10000000, got 0", ""},
	{"loaders_gc_percent.bad.yml", "loaders.gc_percent", "must be between 50 and 1000, got 10", ""},
	{"loaders_source_kind.bad.yml", "loaders.sources.shop.kind", "one of members, orders, events", ""},
	{"loaders_mapping_dup.bad.yml", "loaders.sources.shop.columns.Ref", "as OrderNo already does", ""},
	{"report_lang.bad.yml", "report.lang", "must be en or zh", ""},
	{"exports_format.bad.yml", "exports.formats", "must be parquet, csv or arrow, got \"xlsx\"", ""},
	{"exports_compression.bad.yml", "exports.parquet.compression", "must be zstd or snappy, got \"gzip\"", ""},
	{"cluster_bad_name.bad.yml", "clickhouse.cluster.name", "must be a plain identifier", ""},
	{"cluster_no_shards.bad.yml", "clickhouse.cluster.shards", "must list at least one address when cluster.name is set", ""},
	{"cluster_shards_without_name.bad.yml", "clickhouse.cluster.name", "must be set when shards, on_cluster or replicated are", ""},
	{"cluster_bad_shard.bad.yml", "clickhouse.cluster.shards[1]", "must be host:port", ""},
	{"cluster_duplicate_shard.bad.yml", "clickhouse.cluster.shards[1]", "duplicates shards[0]", ""},
	{"cluster_addr_not_a_shard.bad.yml", "clickhouse.addr", "must be one of clickhouse.cluster.shards in cluster mode", ""},
	{"cluster_replicated_without_on_cluster.bad.yml", "clickhouse.cluster.replicated", "requires on_cluster: true", ""},
	{"cluster_replicas_wrong_first.bad.yml", "clickhouse.cluster.replicas[1]", "must start with shards[1] (ch-3:9000)", ""},
	{"cluster_replicas_missing.bad.yml", "clickhouse.cluster.replicas", "must list the replicas of each of the 2 shards, got 0 lists", ""},
	{"exports_keep_last.bad.yml", "exports.retention.keep_last", "must be 0 (keep all) or more, got -1", ""},
	{"password_number.bad.yml", "clickhouse.password (line 2)", "want a string, got a number (value not shown)", "87654321"},
	{"token_number.bad.yml", "server.token (line 3)", "want a string, got a number (value not shown)", "12345678901234567890"},
	{"webhook_url_number.bad.yml", "jobs.webhook.url (line 3)", "want a string, got a number (value not shown)", "4242424242"},
	{"webhook_url_scheme.bad.yml", "jobs.webhook.url", "must be an http or https URL", "SECRET"},
	{"server_short_token.bad.yml", "server.token", "must be at least 16 characters when server.listen (\"0.0.0.0:8080\") is not a loopback address", ""},
	{"exports_dir_root.bad.yml", "exports.dir", "must not be / or a system directory, got \"/\"", ""},
	{"exports_dir_system.bad.yml", "exports.dir", "must not be / or a system directory, got \"/etc/\"", ""},
	{"server_request_timeout.bad.yml", "server.request_timeout", "must be positive, got 0s", ""},
	{"loaders_number_format.bad.yml", "loaders.number_format", `must be "1,234.56" or "1.234,56", got "1 234,56"`, ""},
	{"loaders_timestamp_layout.bad.yml", "loaders.sources.shop.timestamp_layouts[0]", `unknown "Q" at position 1`, ""},
	{"loaders_directory_globs.bad.yml", "loaders.directory_globs.order", "is not a kind", ""},
	{"exports_max_exit_share.bad.yml", "exports.max_exit_share", "must be more than 0 and at most 1 (a share of a family's members), got 1.5", ""},
	{"exports_exit_check_skip_families.bad.yml", "exports.exit_check_skip_families", "lists \"occasion\" twice", ""},
}

func TestBadConfigs(t *testing.T) {
	t.Parallel()
	for _, tt := range badConfigs {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			_, err := Load(filepath.Join("testdata", tt.file), true, noEnv)
			if err == nil {
				t.Fatalf("Load(%s) = nil error, want one naming %s", tt.file, tt.wantKey)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantKey) || !strings.Contains(msg, tt.reason) {
				t.Errorf("Load(%s) error = %q\nwant it to contain %q and %q", tt.file, msg, tt.wantKey, tt.reason)
			}
			if !strings.Contains(msg, tt.file) && !errors.As(err, new(Errors)) {
				t.Errorf("error %q names neither the file nor a key", msg)
			}
			if strings.Contains(msg, "secret") || (tt.hidden != "" && strings.Contains(msg, tt.hidden)) {
				t.Errorf("error %q leaks a secret", msg)
			}
		})
	}
}

func TestEveryBadFileIsInTheTable(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/*.bad.yml")
	inTable := map[string]bool{}
	for _, tt := range badConfigs {
		inTable[tt.file] = true
	}
	for _, f := range files {
		if !inTable[filepath.Base(f)] {
			t.Errorf("%s is not in badConfigs: add it with the error it must give", f)
		}
	}
	if len(files) != len(inTable) {
		t.Errorf("found %d bad config files, badConfigs names %d: keep them in step", len(files), len(inTable))
	}
}

func TestGoodConfig(t *testing.T) {
	t.Parallel()
	cfg, err := Load("testdata/good.yml", true, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClickHouse.Addr != "ch.internal:9440" || cfg.ClickHouse.MaxOpenConns != 16 || cfg.ClickHouse.DialTimeout.D() != 3*time.Second {
		t.Errorf("file values not applied: %+v", cfg.ClickHouse)
	}
	if cfg.ClickHouse.ReadTimeout != Default().ClickHouse.ReadTimeout {
		t.Errorf("a key absent from the file lost its default: read_timeout = %s", cfg.ClickHouse.ReadTimeout)
	}
	if cfg.Location().String() != "Asia/Shanghai" {
		t.Errorf("Location() = %s", cfg.Location())
	}
}

func TestMissingFiles(t *testing.T) {
	t.Parallel()
	if _, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), true, noEnv); !errors.Is(err, ErrNoFile) {
		t.Errorf("explicit missing file: err = %v, want ErrNoFile", err)
	}
	cfg, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), false, noEnv)
	if err != nil || cfg.ClickHouse.Addr != Default().ClickHouse.Addr {
		t.Errorf("implicit missing file should give defaults, got %v, %+v", err, cfg.ClickHouse)
	}
}

func TestEnvOverrides(t *testing.T) {
	t.Parallel()
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		EnvAddr:         "10.1.2.3:9000",
		EnvDatabase:     "brand_x",
		EnvUser:         "runner",
		EnvPasswordFile: pwFile,
	}
	cfg, err := Load("testdata/good.yml", true, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ch := cfg.ClickHouse
	if ch.Addr != "10.1.2.3:9000" || ch.Database != "brand_x" || ch.User != "runner" {
		t.Errorf("env not applied over the file: %+v", ch)
	}
	if ch.Password.Value() != "from-file" {
		t.Errorf("password file not read (trailing newline trimmed)")
	}

	env[EnvPassword] = "x"
	if _, err := Load("", false, func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("password and password file both set: err = %v", err)
	}

	delete(env, EnvPassword)
	env[EnvPasswordFile] = filepath.Join(t.TempDir(), "missing")
	_, err = Load("", false, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "clickhouse.password_file") {
		t.Errorf("unreadable password file: err = %v", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	cfg, err := Load("testdata/good.yml", true, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf strings.Builder
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("cfg", "password", cfg.ClickHouse.Password, "ch", cfg.ClickHouse)
	js, _ := json.Marshal(cfg)
	outputs := map[string]string{
		"%v":   fmt.Sprintf("%v", cfg),
		"%+v":  fmt.Sprintf("%+v", cfg),
		"%#v":  fmt.Sprintf("%#v", cfg),
		"%s":   fmt.Sprintf("%s", cfg.ClickHouse.Password),
		"json": string(js),
		"slog": logBuf.String(),
	}
	for how, out := range outputs {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s prints the password: %s", how, out)
		}
	}
	if cfg.ClickHouse.Password.Value() != "hunter2" {
		t.Errorf("Value() lost the secret")
	}
}

func TestExampleConfigLoads(t *testing.T) {
	t.Parallel()
	cfg, err := Load("../../../deploy/memberlytics.example.yaml", true, noEnv)
	if err != nil {
		t.Fatalf("the documented example config must load: %v", err)
	}
	if cfg.ClickHouse.Database == "" {
		t.Error("example config has no database")
	}
}
