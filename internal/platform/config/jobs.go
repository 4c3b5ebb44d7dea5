package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Jobs configures the job runner: schedules, timeouts, retries, checks
// and the failure webhook (package jobs, memberlytics serve/run/backfill).
type Jobs struct {
	// Schedules fire targets (a job, a pipeline or "all") on cron expressions.
	Schedules []JobSchedule `yaml:"schedules"`
	// Timeout bounds one attempt of any job; Timeouts overrides it per job.
	Timeout  Duration            `yaml:"timeout"`
	Timeouts map[string]Duration `yaml:"timeouts"`
	// Retry is the policy for transient failures.
	Retry Retry `yaml:"retry"`
	// ShutdownGrace is how long serve lets running jobs finish after
	// SIGTERM/SIGINT before cancelling them.
	ShutdownGrace Duration `yaml:"shutdown_grace"`
	// AbandonAfter is how old a "running" run of another host must be to
	// be marked abandoned at start-up (runs of this host are checked by pid).
	AbandonAfter Duration `yaml:"abandon_after"`
	// HeartbeatInterval is how often a running run's job_runs row gets a
	// fresh heartbeat_at; a run without one for three intervals is dead
	// and marked abandoned (by serve's periodic sweep, runs, backfill).
	HeartbeatInterval Duration `yaml:"heartbeat_interval"`
	// CatchUp is how far back serve looks at start-up for each schedule's
	// last fire, to run it again where a job did not succeed; 0 disables.
	CatchUp Duration `yaml:"catch_up"`
	// Webhook receives a JSON message for every failed run.
	Webhook Webhook `yaml:"webhook"`
	// Checks configure the checks run before the models.
	Checks Checks `yaml:"checks"`
}

// JobSchedule is one cron schedule.
type JobSchedule struct {
	// Name identifies the schedule (default: the target).
	Name string `yaml:"name"`
	// Target is a job, a pipeline or all.
	Target string `yaml:"target"`
	// Cron has 5 fields (minute hour dom month dow) or 6 with seconds first.
	Cron string `yaml:"cron"`
	// Timezone is the IANA zone the expression is read in; empty is UTC.
	Timezone string `yaml:"timezone"`
}

// Retry is the retry policy for transient failures.
type Retry struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int `yaml:"max_attempts"`
	// InitialBackoff is the first wait; it doubles up to MaxBackoff.
	InitialBackoff Duration `yaml:"initial_backoff"`
	MaxBackoff     Duration `yaml:"max_backoff"`
	// Jitter in [0, 1] shortens each wait by a random fraction up to it.
	Jitter float64 `yaml:"jitter"`
}

// Webhook is the failure alert.
type Webhook struct {
	// URL receives a POST per failed run; empty disables alerts. It is a
	// secret (incoming-webhook URLs carry their credential in the path):
	// logs show only its scheme and host, config errors never its value.
	URL     string   `yaml:"url" secret:"true"`
	Timeout Duration `yaml:"timeout"`
}

// Checks configure freshness and the data tests.
type Checks struct {
	// FreshnessMaxAge is the oldest the newest order may be at the end of
	// the as_of day; 0 disables the freshness check.
	FreshnessMaxAge Duration `yaml:"freshness_max_age"`
	// FreshnessSeverity is warn or fail.
	FreshnessSeverity string `yaml:"freshness_severity"`
	// Severity overrides a data test's severity by name: warn, fail or off.
	Severity map[string]string `yaml:"severity"`
}

// Server configures the HTTP API of memberlytics serve.
type Server struct {
	// Listen is host:port. Anything but a loopback address needs a token.
	Listen string `yaml:"listen"`
	// Token is the bearer token /api/ requires; prefer TokenFile or the
	// environment (MEMBERLYTICS_SERVER_TOKEN, MEMBERLYTICS_SERVER_TOKEN_FILE).
	Token Secret `yaml:"token"`
	// TokenFile, when set, is read for the token (trailing newline trimmed).
	TokenFile string `yaml:"token_file"`
	// RequestTimeout bounds every HTTP request: a handler still working
	// after it (ClickHouse frozen, say) is answered 503 and its queries
	// are cancelled.
	RequestTimeout Duration `yaml:"request_timeout"`
}

// MinTokenLength is the shortest server.token accepted for a listen
// address beyond loopback.
const MinTokenLength = 16

// Env names for the server section.
const (
	EnvServerToken     = "MEMBERLYTICS_SERVER_TOKEN"
	EnvServerTokenFile = "MEMBERLYTICS_SERVER_TOKEN_FILE"
	EnvServerListen    = "MEMBERLYTICS_SERVER_LISTEN"
)

func defaultJobs() Jobs {
	return Jobs{
		Schedules:         []JobSchedule{{Name: "nightly", Target: "all", Cron: "0 3 * * *"}},
		Timeout:           Duration(2 * time.Hour),
		Retry:             Retry{MaxAttempts: 3, InitialBackoff: Duration(30 * time.Second), MaxBackoff: Duration(10 * time.Minute), Jitter: 0.2},
		ShutdownGrace:     Duration(5 * time.Minute),
		AbandonAfter:      Duration(24 * time.Hour),
		HeartbeatInterval: Duration(10 * time.Second),
		CatchUp:           Duration(48 * time.Hour),
		Webhook:           Webhook{Timeout: Duration(10 * time.Second)},
		Checks:            Checks{FreshnessMaxAge: Duration(72 * time.Hour), FreshnessSeverity: "warn"},
	}
}

func defaultServer() Server {
	return Server{Listen: "127.0.0.1:8080", RequestTimeout: Duration(30 * time.Second)}
}

func validateJobs(j Jobs, add func(key, format string, args ...any)) {
	seen := map[string]bool{}
	for i, s := range j.Schedules {
		key := fmt.Sprintf("jobs.schedules[%d]", i)
		name := s.Name
		if name == "" {
			name = s.Target
		}
		if seen[name] {
			add(key+".name", "schedule %q is given twice", name)
		}
		seen[name] = true
		if s.Target == "" {
			add(key+".target", "must name a job, a pipeline or all")
		}
		loc := time.UTC
		if s.Timezone != "" {
			l, err := time.LoadLocation(s.Timezone)
			if err != nil {
				add(key+".timezone", "must be an IANA time zone such as Europe/Berlin, got %q", s.Timezone)
			} else {
				loc = l
			}
		}
		if strings.HasPrefix(s.Cron, "TZ=") || strings.HasPrefix(s.Cron, "CRON_TZ=") {
			add(key+".cron", "set the zone with timezone, not in the expression")
			continue
		}
		p := cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
		if sched, err := p.Parse(s.Cron); err != nil {
			add(key+".cron", "invalid cron expression %q: %v", s.Cron, err)
		} else if sched.Next(time.Now().In(loc)).IsZero() {
			add(key+".cron", "cron expression %q never fires", s.Cron)
		}
	}
	if j.Timeout < 0 {
		add("jobs.timeout", "must not be negative (0 means no limit), got %s", j.Timeout)
	}
	for _, name := range sortedKeys(j.Timeouts) {
		if j.Timeouts[name] < 0 {
			add("jobs.timeouts."+name, "must not be negative, got %s", j.Timeouts[name])
		}
	}
	r := j.Retry
	if r.MaxAttempts < 1 || r.MaxAttempts > 100 {
		add("jobs.retry.max_attempts", "must be between 1 and 100, got %d", r.MaxAttempts)
	}
	if r.InitialBackoff < 0 {
		add("jobs.retry.initial_backoff", "must not be negative, got %s", r.InitialBackoff)
	}
	if r.MaxBackoff < r.InitialBackoff {
		add("jobs.retry.max_backoff", "must be at least initial_backoff (%s), got %s", r.InitialBackoff, r.MaxBackoff)
	}
	if r.Jitter < 0 || r.Jitter > 1 || r.Jitter != r.Jitter {
		add("jobs.retry.jitter", "must be between 0 and 1, got %v", r.Jitter)
	}
	if j.ShutdownGrace <= 0 {
		add("jobs.shutdown_grace", "must be positive, got %s", j.ShutdownGrace)
	}
	if j.AbandonAfter <= 0 {
		add("jobs.abandon_after", "must be positive, got %s", j.AbandonAfter)
	}
	if j.HeartbeatInterval.D() < time.Second {
		add("jobs.heartbeat_interval", "must be at least 1s, got %s", j.HeartbeatInterval)
	}
	if j.CatchUp < 0 {
		add("jobs.catch_up", "must not be negative (0 disables it), got %s", j.CatchUp)
	}
	if j.Webhook.URL != "" {
		u, err := url.Parse(j.Webhook.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("jobs.webhook.url", "must be an http or https URL")
		}
	}
	if j.Webhook.Timeout <= 0 {
		add("jobs.webhook.timeout", "must be positive, got %s", j.Webhook.Timeout)
	}
	if j.Checks.FreshnessMaxAge < 0 {
		add("jobs.checks.freshness_max_age", "must not be negative (0 disables the check), got %s", j.Checks.FreshnessMaxAge)
	}
	switch j.Checks.FreshnessSeverity {
	case "warn", "fail":
	default:
		add("jobs.checks.freshness_severity", "must be warn or fail, got %q", j.Checks.FreshnessSeverity)
	}
	for _, name := range sortedKeys(j.Checks.Severity) {
		switch j.Checks.Severity[name] {
		case "warn", "fail", "off":
		default:
			add("jobs.checks.severity."+name, "must be warn, fail or off, got %q", j.Checks.Severity[name])
		}
	}
}

func validateServer(s Server, add func(key, format string, args ...any)) {
	if s.RequestTimeout <= 0 {
		add("server.request_timeout", "must be positive, got %s", s.RequestTimeout)
	}
	host, port, err := net.SplitHostPort(s.Listen)
	if err != nil || port == "" {
		add("server.listen", "must be host:port such as 127.0.0.1:8080, got %q", s.Listen)
		return
	}
	ip := net.ParseIP(host)
	if host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return
	}
	switch {
	case !s.Token.IsSet():
		add("server.listen", "%q is not a loopback address: set server.token, server.token_file or %s to expose the API", s.Listen, EnvServerToken)
	case len(s.Token.Value()) < MinTokenLength:
		add("server.token", "must be at least %d characters when server.listen (%q) is not a loopback address (from token, token_file or %s)", MinTokenLength, s.Listen, EnvServerToken)
	}
}

func applyServerEnv(cfg *Config, getenv func(string) string) error {
	if v := getenv(EnvServerListen); v != "" {
		cfg.Server.Listen = v
	}
	tok, file := getenv(EnvServerToken), getenv(EnvServerTokenFile)
	if tok != "" && file != "" {
		return Errors{{Key: EnvServerTokenFile, Reason: "set either " + EnvServerToken + " or " + EnvServerTokenFile + ", not both"}}
	}
	if tok != "" {
		cfg.Server.Token, cfg.Server.TokenFile = Secret(tok), ""
	}
	if file != "" {
		cfg.Server.TokenFile, cfg.Server.Token = file, ""
	}
	return nil
}

// resolveServerToken reads server.token_file; the error never shows the token.
func resolveServerToken(cfg *Config) error {
	s := &cfg.Server
	if s.Token.IsSet() && s.TokenFile != "" {
		return Errors{{Key: "server.token_file", Reason: "set either token or token_file, not both"}}
	}
	if s.TokenFile == "" {
		return nil
	}
	data, err := os.ReadFile(s.TokenFile)
	if err != nil {
		return Errors{{Key: "server.token_file", Reason: "cannot read " + s.TokenFile}}
	}
	tok := strings.TrimRight(string(data), "\r\n")
	if tok == "" {
		return Errors{{Key: "server.token_file", Reason: s.TokenFile + " is empty"}}
	}
	s.Token = Secret(tok)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
