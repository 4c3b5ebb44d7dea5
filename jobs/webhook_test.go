package jobs

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A failed delivery names the webhook by scheme://host only: an incoming
// webhook's key is in its path (Slack's /services/T/B/KEY) or query, and a
// password in the user info, and none may reach the log.
func TestWebhookFailureLogsNoSecretIntegration(t *testing.T) {
	t.Parallel()
	answer500 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(answer500.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := ln.Addr().String()
	ln.Close()
	const secretPart = "/services/T0/B0/PATHSECRET?token=QUERYSECRET"
	for name, host := range map[string]string{
		"server error":       strings.TrimPrefix(answer500.URL, "http://"),
		"connection refused": refused,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			g := NewGraph()
			must(t, g.Add(Func{JobName: "bad", Fn: func(context.Context, time.Time) (Stats, error) {
				return Stats{}, errors.New("cannot parse amount")
			}}))
			r, _, _, _ := newTestRunner(t, g, func(o *Options) {
				o.Notifier = NewWebhook("http://u:PASS@"+host+secretPart, 5*time.Second)
				o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			})
			if _, err := r.Run(context.Background(), Request{Target: "bad", AsOf: day, Trigger: TriggerManual}); err != nil {
				t.Fatal(err)
			}
			out := logs.String()
			if !strings.Contains(out, "notify failure") || !strings.Contains(out, "http://"+host) {
				t.Fatalf("log has no failed delivery naming http://%s:\n%s", host, out)
			}
			for _, secret := range []string{"PASS", "PATHSECRET", "QUERYSECRET", "/services/"} {
				if strings.Contains(out, secret) {
					t.Errorf("log shows %q:\n%s", secret, out)
				}
			}
		})
	}
}
