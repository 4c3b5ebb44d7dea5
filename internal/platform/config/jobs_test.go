package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokFile, []byte("from-file-0123456789\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	public := filepath.Join(dir, "public.yml")
	if err := os.WriteFile(public, []byte("server:\n  listen: 0.0.0.0:9090\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	withFile := filepath.Join(dir, "with_file.yml")
	if err := os.WriteFile(withFile, []byte("server:\n  listen: 0.0.0.0:9090\n  token_file: "+tokFile+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		file    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"env token opens a public address", public, map[string]string{EnvServerToken: "from-env-0123456789"}, "from-env-0123456789", ""},
		{"token file from the config", withFile, nil, "from-file-0123456789", ""},
		{"token file from the env", public, map[string]string{EnvServerTokenFile: tokFile}, "from-file-0123456789", ""},
		{"both in the env", public, map[string]string{EnvServerToken: "a", EnvServerTokenFile: tokFile}, "", "not both"},
		{"public without a token", public, nil, "", "server.listen"},
		{"public with a short token", public, map[string]string{EnvServerToken: "from-env"}, "", "server.token: must be at least 16 characters"},
		{"missing token file", public, map[string]string{EnvServerTokenFile: filepath.Join(dir, "absent")}, "", "server.token_file"},
	}
	for _, tt := range tests {
		cfg, err := Load(tt.file, true, func(k string) string { return tt.env[k] })
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "from-") {
				t.Errorf("%s: error leaks the token: %v", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if cfg.Server.Token.Value() != tt.want {
			t.Errorf("%s: token = %q, want %q", tt.name, cfg.Server.Token.Value(), tt.want)
		}
	}
}

func TestExportsDirSystem(t *testing.T) {
	t.Parallel()
	for dir, want := range map[string]bool{
		"/": true, "/etc": true, "/etc/memberlytics": true, "/usr/": true, "/var": true,
		"/root": true, "/proc/self": true, "/lib64": true, "/dev/shm": true,
		"exports": false, "/var/lib/memberlytics/exports": false, "/srv/exports": false,
		"/home/analytics/exports": false, "/usr/local/share/exports": false,
	} {
		if got := systemDir(dir); got != want {
			t.Errorf("systemDir(%q) = %v, want %v", dir, got, want)
		}
	}
}
