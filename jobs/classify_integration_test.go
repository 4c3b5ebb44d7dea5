package jobs

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// Real errors, not constructed ones: what the server and the network
// actually return is classified as the runner expects.
func TestIsTransientOnRealErrorsIntegration(t *testing.T) {
	t.Parallel()
	conn := chtest.NewDB(t)
	ctx := context.Background()
	_, err := conn.Query(ctx, "SELECT * FROM no_such_table")
	if err == nil || IsTransient(err) {
		t.Errorf("unknown table: err = %v, transient = %v; want a permanent error", err, IsTransient(err))
	}
	_, err = conn.Query(ctx, "SELEC 1")
	if err == nil || IsTransient(err) {
		t.Errorf("syntax error: err = %v; want permanent", err)
	}
	// A port nobody listens on: connection refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	_, err = net.DialTimeout("tcp", addr, time.Second)
	if err == nil || !IsTransient(err) {
		t.Errorf("connection refused: err = %v; want transient", err)
	}
}

func TestWebhookReportsRefusal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusInternalServerError)
	}))
	defer srv.Close()
	err := NewWebhook(srv.URL, time.Second).Notify(context.Background(), Run{Job: "rfm", AsOf: day, Status: StatusFailed})
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("Notify to a failing endpoint = %v, want an error naming the status", err)
	}
}
