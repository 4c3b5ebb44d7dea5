package warehouse

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/memberlytics/memberlytics/internal/platform/config"
)

// Options are the inputs of Open besides the configuration.
type Options struct {
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
	// Metrics, when non-nil, times every query.
	Metrics *Metrics
	// NoCreateDatabase skips CREATE DATABASE IF NOT EXISTS (for read-only users).
	NoCreateDatabase bool
	// Settings are ClickHouse settings sent with every query (integers
	// only: see ClusterSettings). OpenCluster sets ClusterSettings.
	Settings map[string]int
	// Failover are more addresses of the same data (the other replicas of
	// a shard), tried in order after cfg.Addr when it does not answer.
	Failover []string
}

// Open connects to ClickHouse over the native protocol, with LZ4
// compression unless the address is a loopback one (see compressionFor)
// or cfg.Compression says otherwise,
// pings with retry and exponential backoff
// (cfg.ConnectAttempts, cfg.ConnectBackoff), creates cfg.Database and its
// work database (WorkDatabase) when they are missing, and returns a pooled connection bounded by cfg.MaxOpenConns.
// ctx bounds the whole start-up. Errors never include the password.
func Open(ctx context.Context, cfg config.ClickHouse, opt Options) (*CH, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	tlsConf, err := tlsConfig(cfg.TLS)
	if err != nil {
		return nil, err
	}
	base := &clickhouse.Options{
		Protocol: clickhouse.Native,
		Addr:     append([]string{cfg.Addr}, opt.Failover...),
		Auth: clickhouse.Auth{
			Database: "default",
			Username: cfg.User,
			Password: cfg.Password.Value(),
		},
		TLS:             tlsConf,
		Compression:     &clickhouse.Compression{Method: compressionMethod(cfg.Compression, cfg.Addr)},
		DialTimeout:     cfg.DialTimeout.D(),
		ReadTimeout:     cfg.ReadTimeout.D(),
		MaxOpenConns:    cfg.MaxOpenConns,
		MaxIdleConns:    cfg.MaxIdleConns,
		ConnMaxLifetime: time.Hour,
		ClientInfo: clickhouse.ClientInfo{
			Products: []struct{ Name, Version string }{{Name: "memberlytics", Version: "0"}},
		},
	}
	if !opt.NoCreateDatabase {
		boot, err := dial(ctx, base, cfg, log)
		if err != nil {
			return nil, err
		}
		err = boot.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+QuoteIdent(cfg.Database))
		if err != nil {
			boot.Close()
			return nil, fmt.Errorf("create database %s: %w", cfg.Database, err)
		}
		err = boot.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+QuoteIdent(WorkDatabase(cfg.Database)))
		boot.Close()
		if err != nil {
			return nil, fmt.Errorf("create work database %s: %w", WorkDatabase(cfg.Database), err)
		}
	}
	withDB := *base
	withDB.Auth.Database = cfg.Database
	if len(opt.Settings) > 0 {
		withDB.Settings = clickhouse.Settings{}
		for k, v := range opt.Settings {
			withDB.Settings[k] = v
		}
	}
	conn, err := dial(ctx, &withDB, cfg, log)
	if err != nil {
		return nil, err
	}
	log.Debug("connected to clickhouse", "addr", cfg.Addr, "database", cfg.Database, "user", cfg.User)
	return &CH{conn: conn, database: cfg.Database, metrics: opt.Metrics}, nil
}

// ErrNoServer means nothing listens at a loopback address: the
// connection was refused, so Open fails at once instead of retrying.
var ErrNoServer = errors.New("nothing listens there")

// compressionFor is LZ4 for a remote server and none for a loopback
// address (localhost, 127.0.0.0/8, ::1): there compression only costs CPU
// on both ends, which share the same cores. clickhouse-client makes the
// same choice for local addresses.
func compressionFor(addr string) clickhouse.CompressionMethod {
	if isLoopback(addr) {
		return clickhouse.CompressionNone
	}
	return clickhouse.CompressionLZ4
}

// isLoopback reports whether addr (host:port) is localhost, 127.0.0.0/8
// or ::1.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// dial opens a driver connection and pings it until it answers or the
// attempts run out. A refused connection to a loopback address is not
// retried (ErrNoServer): no server is starting there on its own.
func dial(ctx context.Context, o *clickhouse.Options, cfg config.ClickHouse, log *slog.Logger) (driver.Conn, error) {
	conn, err := clickhouse.Open(o)
	if err != nil {
		return nil, fmt.Errorf("open clickhouse %s: %w", cfg.Addr, err)
	}
	wait := cfg.ConnectBackoff.D()
	for attempt := 1; ; attempt++ {
		err = conn.Ping(ctx)
		if err == nil {
			return conn, nil
		}
		var ex *clickhouse.Exception
		if errors.As(err, &ex) && isAuthError(ex.Code) {
			conn.Close()
			return nil, fmt.Errorf("connect to clickhouse %s as %s: %w", cfg.Addr, cfg.User, err)
		}
		if errors.Is(err, syscall.ECONNREFUSED) && isLoopback(cfg.Addr) {
			conn.Close()
			return nil, fmt.Errorf("connect to clickhouse %s: %w: %w", cfg.Addr, ErrNoServer, err)
		}
		if attempt >= cfg.ConnectAttempts {
			conn.Close()
			return nil, fmt.Errorf("connect to clickhouse %s: no answer after %d attempts: %w", cfg.Addr, attempt, err)
		}
		log.Warn("clickhouse not answering, retrying", "addr", cfg.Addr, "attempt", attempt, "wait", wait, "err", err)
		select {
		case <-ctx.Done():
			conn.Close()
			return nil, fmt.Errorf("connect to clickhouse %s: %w", cfg.Addr, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// isAuthError reports server codes that retrying cannot fix: unknown user,
// wrong password, no such database.
func isAuthError(code int32) bool {
	switch code {
	case 192, 193, 516, 81:
		return true
	}
	return false
}

func tlsConfig(t config.TLS) (*tls.Config, error) {
	if !t.Enabled {
		return nil, nil
	}
	c := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read clickhouse.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read clickhouse.tls.ca_file %s: no PEM certificates in it", t.CAFile)
		}
		c.RootCAs = pool
	}
	return c, nil
}
