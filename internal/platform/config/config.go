package config

import (
	"fmt"
	"time"
)

// Config is memberlytics' whole configuration. Each section is documented
// key by key in deploy/memberlytics.example.yaml.
type Config struct {
	// ClickHouse is the warehouse connection.
	ClickHouse ClickHouse `yaml:"clickhouse"`
	// Local is the managed local ClickHouse server (memberlytics clickhouse).
	Local Local `yaml:"local"`
	// Log sets the log level and format.
	Log Log `yaml:"log"`
	// BusinessTimezone is the IANA zone in which an as_of day ends.
	BusinessTimezone string `yaml:"business_timezone"`
	// Models holds the models' sections, decoded by each model (models.go).
	Models Models `yaml:"models"`
	// Loaders configures file loading (memberlytics load).
	Loaders Loaders `yaml:"loaders"`
	// Jobs configures the job runner; Server its HTTP API (see jobs.go).
	Jobs   Jobs   `yaml:"jobs"`
	Server Server `yaml:"server"`
	// Report sets the HTML report's language and currency (see report.go).
	Report Report `yaml:"report"`
	// Exports configures the published export files (memberlytics export).
	Exports Exports `yaml:"exports"`

	// Origin says where the values came from; Load sets it.
	Origin Origin `yaml:"-"`
}

// Origin records where a loaded configuration came from.
type Origin struct {
	// File is the config file read, empty when none was.
	File string
	// keys holds the dotted keys the file or the environment set.
	keys map[string]bool
}

// Set reports whether the file or the environment gave key (a dotted
// path such as "clickhouse.addr"), rather than the default.
func (o Origin) Set(key string) bool { return o.keys[key] }

// ClickHouse configures the connection to the warehouse.
type ClickHouse struct {
	// Addr is host:port of the native protocol (usually 9000, 9440 with TLS).
	Addr string `yaml:"addr"`
	// Database is created if missing; every table lives in it.
	Database string `yaml:"database"`
	User     string `yaml:"user"`
	Password Secret `yaml:"password"`
	// PasswordFile, when set, is read for the password (trailing newline trimmed).
	PasswordFile string `yaml:"password_file"`
	TLS          TLS    `yaml:"tls"`
	// MaxOpenConns bounds the connection pool.
	MaxOpenConns int `yaml:"max_open_conns"`
	// MaxIdleConns is how many idle connections are kept.
	MaxIdleConns int `yaml:"max_idle_conns"`
	// DialTimeout bounds one connection attempt.
	DialTimeout Duration `yaml:"dial_timeout"`
	// ReadTimeout bounds one read from the server.
	ReadTimeout Duration `yaml:"read_timeout"`
	// ConnectAttempts is how many times start-up pings before giving up.
	ConnectAttempts int `yaml:"connect_attempts"`
	// ConnectBackoff is the first wait between start-up pings; it doubles.
	ConnectBackoff Duration `yaml:"connect_backoff"`
	// Compression is the native protocol's block compression: lz4, none,
	// or auto (none when addr is a loopback address, where compressing
	// only costs CPU on both ends; lz4 otherwise).
	Compression string `yaml:"compression"`
	// Cluster, when its name is set, runs memberlytics on a sharded
	// ClickHouse (see cluster.go and docs/cluster.md).
	Cluster Cluster `yaml:"cluster"`
}

// TLS configures an encrypted connection.
type TLS struct {
	Enabled bool `yaml:"enabled"`
	// CAFile is a PEM bundle of CAs to trust instead of the system's.
	CAFile string `yaml:"ca_file"`
	// ServerName overrides the name checked in the server's certificate.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify turns certificate checks off (testing only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Local configures the managed local ClickHouse server.
type Local struct {
	// Dir holds the server's config, data, logs and pid file.
	Dir string `yaml:"dir"`
	// TCPPort is the native port; 0 picks a free port at first start and keeps it.
	TCPPort int `yaml:"tcp_port"`
	// Binary is the server program; empty searches PATH for clickhouse-server, then clickhouse.
	Binary string `yaml:"binary"`
}

// Log configures logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is auto (text on a terminal, JSON otherwise), text or json.
	Format string `yaml:"format"`
}

// Default returns the configuration used where neither file nor
// environment says otherwise.
func Default() Config {
	return Config{
		ClickHouse: ClickHouse{
			Addr:            "127.0.0.1:9000",
			Database:        "memberlytics",
			User:            "default",
			MaxOpenConns:    8,
			MaxIdleConns:    4,
			DialTimeout:     Duration(5 * time.Second),
			ReadTimeout:     Duration(10 * time.Minute),
			ConnectAttempts: 5,
			ConnectBackoff:  Duration(500 * time.Millisecond),
			Compression:     "auto",
		},
		Local:            Local{Dir: ".memberlytics/clickhouse"},
		Log:              Log{Level: "info", Format: "auto"},
		BusinessTimezone: "UTC",
		Loaders:          defaultLoaders(),
		Jobs:             defaultJobs(),
		Server:           defaultServer(),
		Report:           defaultReport(),
		Exports:          defaultExports(),
	}
}

// Location returns the business time zone. Validate has checked it loads.
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.BusinessTimezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Validate refuses impossible values; each problem names its key.
func (c Config) Validate() error {
	var errs Errors
	add := func(key, format string, args ...any) {
		errs = append(errs, &FieldError{Key: key, Reason: fmt.Sprintf(format, args...)})
	}
	ch := c.ClickHouse
	if err := validAddr(ch.Addr); err != nil {
		add("clickhouse.addr", "%v", err)
	}
	if !validIdentifier(ch.Database) {
		add("clickhouse.database", "must be a plain identifier (letters, digits, _), got %q", ch.Database)
	}
	if ch.User == "" {
		add("clickhouse.user", "must not be empty")
	}
	if ch.MaxOpenConns < 1 {
		add("clickhouse.max_open_conns", "must be at least 1, got %d", ch.MaxOpenConns)
	}
	if ch.MaxIdleConns < 0 || ch.MaxIdleConns > ch.MaxOpenConns {
		add("clickhouse.max_idle_conns", "must be between 0 and max_open_conns (%d), got %d", ch.MaxOpenConns, ch.MaxIdleConns)
	}
	if ch.DialTimeout <= 0 {
		add("clickhouse.dial_timeout", "must be positive, got %s", ch.DialTimeout)
	}
	if ch.ReadTimeout <= 0 {
		add("clickhouse.read_timeout", "must be positive, got %s", ch.ReadTimeout)
	}
	if ch.ConnectAttempts < 1 {
		add("clickhouse.connect_attempts", "must be at least 1, got %d", ch.ConnectAttempts)
	}
	if ch.ConnectBackoff < 0 {
		add("clickhouse.connect_backoff", "must not be negative, got %s", ch.ConnectBackoff)
	}
	switch ch.Compression {
	case "", "auto", "lz4", "none": // "" (a Config not from Default) is auto
	default:
		add("clickhouse.compression", "must be auto, lz4 or none, got %q", ch.Compression)
	}
	if !ch.TLS.Enabled && (ch.TLS.CAFile != "" || ch.TLS.ServerName != "" || ch.TLS.InsecureSkipVerify) {
		add("clickhouse.tls.enabled", "is false but other tls keys are set; set enabled: true")
	}
	validateCluster(ch, add)
	if c.Local.Dir == "" {
		add("local.dir", "must not be empty")
	}
	if c.Local.TCPPort < 0 || c.Local.TCPPort > 65535 {
		add("local.tcp_port", "must be between 0 and 65535, got %d", c.Local.TCPPort)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "must be one of debug, info, warn, error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "auto", "text", "json":
	default:
		add("log.format", "must be one of auto, text, json, got %q", c.Log.Format)
	}
	if _, err := time.LoadLocation(c.BusinessTimezone); err != nil || c.BusinessTimezone == "" {
		add("business_timezone", "must be an IANA time zone such as UTC or Asia/Shanghai, got %q", c.BusinessTimezone)
	}
	validateLoaders(c.Loaders, add)
	validateJobs(c.Jobs, add)
	validateServer(c.Server, add)
	validateReport(c.Report, add)
	validateExports(c.Exports, add)
	return errs.orNil()
}
