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
	if err := os.WriteFile(tokFile, []byte("from-file\n"), 0o600); err != nil {
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
		{"env token opens a public address", public, map[string]string{EnvServerToken: "from-env"}, "from-env", ""},
		{"token file from the config", withFile, nil, "from-file", ""},
		{"token file from the env", public, map[string]string{EnvServerTokenFile: tokFile}, "from-file", ""},
		{"both in the env", public, map[string]string{EnvServerToken: "a", EnvServerTokenFile: tokFile}, "", "not both"},
		{"public without a token", public, nil, "", "server.listen"},
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
