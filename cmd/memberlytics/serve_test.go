package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/jobs"
)

// serve refuses to expose the API beyond loopback without a token, before
// it connects to anything (nothing listens at the configured ClickHouse).
func TestServeRefusesPublicAddressWithoutToken(t *testing.T) {
	t.Parallel()
	noCH := "127.0.0.1:1"
	out, err := run(t, map[string]string{"MEMBERLYTICS_CLICKHOUSE_ADDR": noCH}, "serve", "--listen", "0.0.0.0:0")
	if !errors.Is(err, jobs.ErrInsecureListen) {
		t.Errorf("serve --listen 0.0.0.0:0: err = %v, want ErrInsecureListen\n%s", err, out)
	}
	out, err = run(t, map[string]string{"MEMBERLYTICS_CLICKHOUSE_ADDR": noCH, "MEMBERLYTICS_SERVER_LISTEN": "0.0.0.0:0"}, "serve")
	if err == nil || !strings.Contains(err.Error(), "server.listen") || !strings.Contains(err.Error(), "not a loopback address") {
		t.Errorf("MEMBERLYTICS_SERVER_LISTEN=0.0.0.0:0 serve: err = %v, want the config to refuse server.listen\n%s", err, out)
	}
}
