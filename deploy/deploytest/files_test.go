package deploytest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/memberlytics/memberlytics/deploy/local"
	"github.com/memberlytics/memberlytics/internal/platform/config"
)

// deployDir is deploy/, seen from this package's directory.
const deployDir = ".."

// filesWithExt returns every file under deploy/ whose name ends in one of exts.
func filesWithExt(t *testing.T, exts ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(deployDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		for _, ext := range exts {
			if strings.HasSuffix(d.Name(), ext) {
				out = append(out, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no %v files under %s", exts, deployDir)
	}
	return out
}

// yamlDocs decodes every document of a (multi-document) YAML file.
func yamlDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: document %d: %v", path, len(docs)+1, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

// get walks a decoded YAML or JSON tree along keys (map keys, or list
// indexes as ints) and returns nil when the path does not exist.
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, keys ...any) string {
	s, _ := get(v, keys...).(string)
	return s
}

func list(v any, keys ...any) []any {
	l, _ := get(v, keys...).([]any)
	return l
}

func TestEveryYAMLFileParses(t *testing.T) {
	for _, path := range filesWithExt(t, ".yaml", ".yml") {
		t.Run(path, func(t *testing.T) {
			docs := yamlDocs(t, path)
			if len(docs) == 0 {
				t.Fatalf("%s has no YAML document", path)
			}
			if !strings.Contains(filepath.ToSlash(path), "/kubernetes/") {
				return
			}
			for i, d := range docs {
				if str(d, "apiVersion") == "" || str(d, "kind") == "" {
					t.Errorf("%s: document %d lacks apiVersion or kind", path, i+1)
				}
				if str(d, "kind") != "Kustomization" && str(d, "metadata", "name") == "" {
					t.Errorf("%s: document %d (%s) lacks metadata.name", path, i+1, str(d, "kind"))
				}
			}
		})
	}
}

func TestEveryJSONFileParses(t *testing.T) {
	for _, path := range filesWithExt(t, ".json") {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if dec.More() {
				t.Fatalf("%s: data after the JSON value", path)
			}
		})
	}
}

// parseXML checks that data is one well-formed XML document and returns
// its root element's name.
func parseXML(t *testing.T, name string, data []byte) string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	root, depth := "", 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					t.Fatalf("%s: second root element <%s>", name, tok.Name.Local)
				}
				root = tok.Name.Local
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if root == "" || depth != 0 {
		t.Fatalf("%s: no complete root element", name)
	}
	return root
}

func TestXMLFilesParse(t *testing.T) {
	for _, path := range filesWithExt(t, ".xml") {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if root := parseXML(t, path, data); root != "clickhouse" && root != "yandex" {
			t.Errorf("%s: root element <%s>, want <clickhouse> or <yandex>", path, root)
		}
	}
}

// TestLocalTemplatesRenderToXML renders the managed local server's
// templates the way internal/devtools/localch does, with and without extra config
// (the cluster harness adds a remote_servers block), and parses the result.
func TestLocalTemplatesRenderToXML(t *testing.T) {
	remote := `<remote_servers><memberlytics_test><shard><replica><host>127.0.0.1</host><port>9001</port></replica></shard></memberlytics_test></remote_servers>`
	for _, extra := range [][]string{nil, {remote}} {
		data := map[string]any{"Dir": "/tmp/x", "TCPPort": 9001, "HTTPPort": 8124, "MaxMemory": int64(1 << 30), "Extra": extra}
		for _, name := range []string{"config.xml.tmpl", "users.xml.tmpl"} {
			tmpl, err := template.ParseFS(local.Templates, name)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := tmpl.Execute(&b, data); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if root := parseXML(t, name, b.Bytes()); root != "yandex" {
				t.Errorf("%s: root <%s>, want <yandex> (ClickHouse 18.16 reads only that)", name, root)
			}
			if name == "config.xml.tmpl" && extra != nil && !strings.Contains(b.String(), "<memberlytics_test>") {
				t.Errorf("%s: extra config not rendered", name)
			}
		}
	}
}

// deployment is how one of the shipped deployments starts serve: the
// memberlytics.yaml it mounts, the environment it sets, and how long the
// platform waits after SIGTERM before killing the process.
type deployment struct {
	name       string
	configPath string
	env        map[string]string
	stopGrace  time.Duration
	// allInterfaces: serve must listen beyond loopback (a container, reached
	// through a port mapping or the pod IP).
	allInterfaces bool
	// writable are the directories the platform lets serve write.
	writable []string
}

func deployments(t *testing.T) []deployment {
	t.Helper()
	var out []deployment

	// systemd: deploy/systemd/memberlytics.yaml installed in
	// /etc/memberlytics, the unit's Environment= lines, TimeoutStopSec,
	// ReadWritePaths and StateDirectory.
	u := parseUnit(t, filepath.Join(deployDir, "systemd", "memberlytics.service"))
	env := map[string]string{}
	for _, e := range u["Service"]["Environment"] {
		k, v, _ := strings.Cut(e, "=")
		env[k] = strings.ReplaceAll(v, "%d", "/run/credentials/memberlytics.service")
	}
	stop, err := systemdSeconds(lastValue(u["Service"], "TimeoutStopSec"))
	if err != nil {
		t.Fatalf("TimeoutStopSec: %v", err)
	}
	writable := slices.Clone(u["Service"]["ReadWritePaths"])
	for _, d := range u["Service"]["StateDirectory"] {
		writable = append(writable, "/var/lib/"+d)
	}
	out = append(out, deployment{"systemd", filepath.Join(deployDir, "systemd", "memberlytics.yaml"), env, stop, false, writable})

	// Docker Compose: the mounted memberlytics.yaml, the service's
	// environment, stop_grace_period.
	c := yamlDocs(t, filepath.Join(deployDir, "docker", "compose.yaml"))[0]
	svc := get(c, "services", "memberlytics")
	env = map[string]string{}
	for k, v := range get(svc, "environment").(map[string]any) {
		env[k] = fmt.Sprint(v)
	}
	grace, err := time.ParseDuration(str(svc, "stop_grace_period"))
	if err != nil {
		t.Fatalf("compose stop_grace_period: %v", err)
	}
	writable = nil
	for _, v := range list(svc, "volumes") {
		parts := strings.Split(fmt.Sprint(v), ":")
		if len(parts) == 2 && !strings.HasPrefix(parts[0], ".") && !strings.HasPrefix(parts[0], "/") {
			writable = append(writable, parts[1]) // a named volume, read-write
		}
	}
	for _, v := range list(svc, "tmpfs") {
		writable = append(writable, fmt.Sprint(v))
	}
	out = append(out, deployment{"compose", filepath.Join(deployDir, "docker", "memberlytics.yaml"), env, grace, true, writable})

	// Kubernetes: the ConfigMap's memberlytics.yaml, the container's env,
	// terminationGracePeriodSeconds.
	cm := yamlDocs(t, filepath.Join(deployDir, "kubernetes", "configmap.yaml"))[0]
	embedded := str(cm, "data", "memberlytics.yaml")
	if embedded == "" {
		t.Fatal("configmap.yaml: no data.memberlytics.yaml")
	}
	cmPath := filepath.Join(t.TempDir(), "memberlytics.yaml")
	if err := os.WriteFile(cmPath, []byte(embedded), 0o600); err != nil {
		t.Fatal(err)
	}
	dep := yamlDocs(t, filepath.Join(deployDir, "kubernetes", "deployment.yaml"))[0]
	env = map[string]string{}
	for _, e := range list(dep, "spec", "template", "spec", "containers", 0, "env") {
		env[str(e, "name")] = str(e, "value")
	}
	secs, _ := get(dep, "spec", "template", "spec", "terminationGracePeriodSeconds").(int)
	writable = nil
	for _, m := range list(dep, "spec", "template", "spec", "containers", 0, "volumeMounts") {
		if get(m, "readOnly") != true {
			writable = append(writable, str(m, "mountPath"))
		}
	}
	out = append(out, deployment{"kubernetes", cmPath, env, time.Duration(secs) * time.Second, true, writable})
	return out
}

// systemdSeconds reads the time spans used in the unit ("90", "90s", "6min", "1h").
func systemdSeconds(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"min", time.Minute}, {"h", time.Hour}, {"s", time.Second}, {"", time.Second}} {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			i, err := strconv.Atoi(n)
			if err == nil {
				return time.Duration(i) * u.unit, nil
			}
		}
	}
	return 0, fmt.Errorf("cannot read time span %q", v)
}

// TestDeploymentsStartServe loads each deployment's memberlytics.yaml with
// the real loader and the environment the deployment sets (secret files
// replaced by temporary ones): it must validate, find the ClickHouse
// password and the API token in files, listen on the port the manifests
// expose (on all interfaces in containers), and the platform must wait
// longer than jobs.shutdown_grace before killing serve.
func TestDeploymentsStartServe(t *testing.T) {
	for _, d := range deployments(t) {
		t.Run(d.name, func(t *testing.T) {
			secrets := t.TempDir()
			env := map[string]string{}
			for k, v := range d.env {
				if strings.HasSuffix(k, "_FILE") {
					local := filepath.Join(secrets, filepath.Base(v))
					if err := os.WriteFile(local, []byte("secret-"+k+"\n"), 0o600); err != nil {
						t.Fatal(err)
					}
					v = local
				}
				env[k] = v
			}
			cfg, err := config.Load(d.configPath, true, func(k string) string { return env[k] })
			if err != nil {
				t.Fatalf("load %s with the deployment's environment: %v", d.configPath, err)
			}
			if got := cfg.ClickHouse.Password.Value(); got != "secret-"+config.EnvPasswordFile {
				t.Errorf("clickhouse password %q does not come from %s", got, config.EnvPasswordFile)
			}
			if got := cfg.Server.Token.Value(); got != "secret-"+config.EnvServerTokenFile {
				t.Errorf("API token %q does not come from %s", got, config.EnvServerTokenFile)
			}
			host, port, err := net.SplitHostPort(cfg.Server.Listen)
			if err != nil || port != httpPort {
				t.Errorf("server.listen %q, want port %s", cfg.Server.Listen, httpPort)
			}
			if d.allInterfaces && host != "" && host != "0.0.0.0" && host != "::" {
				t.Errorf("server.listen %q: a container must listen on all interfaces", cfg.Server.Listen)
			}
			if !filepath.IsAbs(cfg.Exports.Dir) {
				t.Errorf("exports.dir %q: give an absolute path in a deployment", cfg.Exports.Dir)
			} else if !slices.ContainsFunc(d.writable, func(w string) bool {
				rel, err := filepath.Rel(w, cfg.Exports.Dir)
				return err == nil && !strings.HasPrefix(rel, "..")
			}) {
				t.Errorf("exports.dir %s is not inside a writable directory of the deployment %v", cfg.Exports.Dir, d.writable)
			}
			if d.stopGrace <= cfg.Jobs.ShutdownGrace.D() {
				t.Errorf("the platform kills serve %v after SIGTERM, before jobs.shutdown_grace (%v) ends", d.stopGrace, cfg.Jobs.ShutdownGrace)
			}
		})
	}
}

// TestShippedConfigsHaveNoSecrets loads each shipped memberlytics.yaml
// without any environment: it must parse strictly and carry no password or
// token of its own.
func TestShippedConfigsHaveNoSecrets(t *testing.T) {
	for _, d := range deployments(t) {
		t.Run(d.name, func(t *testing.T) {
			cfg := config.Default()
			data, err := os.ReadFile(d.configPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := config.Parse(data, &cfg); err != nil {
				t.Fatalf("%s: %v", d.configPath, err)
			}
			if cfg.ClickHouse.Password.IsSet() || cfg.Server.Token.IsSet() {
				t.Errorf("%s holds a password or token; ship it as a file", d.configPath)
			}
			if cfg.ClickHouse.Database != "memberlytics" {
				t.Errorf("clickhouse.database = %q, want memberlytics (users.xml grants name it)", cfg.ClickHouse.Database)
			}
		})
	}
	// The example loads and validates as it is (loopback, no token needed).
	if _, err := config.Load(filepath.Join(deployDir, "memberlytics.example.yaml"), true, func(string) string { return "" }); err != nil {
		t.Errorf("example config: %v", err)
	}
}

// unitFile is a parsed systemd unit: section -> key -> values in order.
type unitFile map[string]map[string][]string

func parseUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", path, n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSystemdUnitIsHardened(t *testing.T) {
	path := filepath.Join(deployDir, "systemd", "memberlytics.service")
	u := parseUnit(t, path)
	svc := u["Service"]
	if svc == nil {
		t.Fatal("no [Service] section")
	}
	// key -> the value it must have ("" means: present and empty).
	want := map[string]string{
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectControlGroups":    "yes",
		"RestrictSUIDSGID":        "yes",
		"RestrictNamespaces":      "yes",
		"LockPersonality":         "yes",
		"SystemCallArchitectures": "native",
		"CapabilityBoundingSet":   "",
		"AmbientCapabilities":     "",
		"Restart":                 "on-failure",
	}
	for key, value := range want {
		got, ok := svc[key]
		if !ok {
			t.Errorf("[Service] %s missing, want %s=%s", key, key, value)
			continue
		}
		if last := got[len(got)-1]; last != value {
			t.Errorf("[Service] %s=%s, want %s=%s", key, last, key, value)
		}
	}
	// Present with some value.
	for _, key := range []string{"RestartSec", "ReadWritePaths", "ExecStart", "RestrictAddressFamilies", "SystemCallFilter"} {
		if len(svc[key]) == 0 || svc[key][0] == "" {
			t.Errorf("[Service] %s missing", key)
		}
	}
	// Never root: a dedicated user or DynamicUser.
	if user := lastValue(svc, "User"); (user == "" || user == "root") && lastValue(svc, "DynamicUser") != "yes" {
		t.Errorf("[Service] runs as %q; want a dedicated User= or DynamicUser=yes", user)
	}
	// Secrets as credentials or an environment file, never inline.
	if len(svc["LoadCredential"]) == 0 && len(svc["EnvironmentFile"]) == 0 {
		t.Error("[Service] neither LoadCredential nor EnvironmentFile: where does the password come from?")
	}
	for _, env := range svc["Environment"] {
		if strings.Contains(env, "PASSWORD=") || strings.Contains(env, "TOKEN=") {
			t.Errorf("[Service] secret inline in Environment=%s", env)
		}
	}
	if !strings.Contains(lastValue(svc, "ExecStart"), " serve") {
		t.Errorf("ExecStart=%s does not run serve", lastValue(svc, "ExecStart"))
	}
	if pre := lastValue(svc, "ExecStartPre"); pre != "" && !strings.Contains(pre, " migrate") {
		t.Errorf("ExecStartPre=%s: expected memberlytics migrate", pre)
	}
	if len(u["Install"]["WantedBy"]) == 0 {
		t.Error("[Install] WantedBy missing: systemctl enable would do nothing")
	}
}

func lastValue(section map[string][]string, key string) string {
	v := section[key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// dockerStage is one FROM ... [AS name] stage of a Dockerfile.
type dockerStage struct {
	image, name string
	lines       []string
}

func parseDockerfile(t *testing.T, path string) []dockerStage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Join continuation lines, drop comments.
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	var stages []dockerStage
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if strings.EqualFold(fields[0], "FROM") {
			st := dockerStage{}
			for _, f := range fields[1:] {
				if strings.HasPrefix(f, "--") {
					continue
				}
				if st.image == "" {
					st.image = f
				}
			}
			if len(fields) >= 4 && strings.EqualFold(fields[len(fields)-2], "AS") {
				st.name = fields[len(fields)-1]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].lines = append(stages[len(stages)-1].lines, line)
		}
	}
	return stages
}

func TestDockerfileIsStaticOnDistroless(t *testing.T) {
	stages := parseDockerfile(t, filepath.Join(deployDir, "docker", "Dockerfile"))
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a runtime stage", len(stages))
	}
	final := stages[len(stages)-1]
	if final.image != "scratch" && !strings.HasPrefix(final.image, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s, want gcr.io/distroless/static* or scratch", final.image)
	}
	build := stages[0]
	if !strings.HasPrefix(build.image, "golang:") {
		t.Errorf("build stage FROM %s, want golang:", build.image)
	}
	joined := strings.Join(build.lines, "\n")
	if !strings.Contains(joined, "CGO_ENABLED=0") || !strings.Contains(joined, "go build") {
		t.Error("build stage does not run go build with CGO_ENABLED=0")
	}
	if !strings.Contains(joined, "./cmd/memberlytics") {
		t.Error("build stage does not build ./cmd/memberlytics")
	}
	var user, expose, entry string
	for _, l := range final.lines {
		f := strings.Fields(l)
		switch strings.ToUpper(f[0]) {
		case "USER":
			user = f[1]
		case "EXPOSE":
			expose = f[1]
		case "ENTRYPOINT":
			entry = l
		case "COPY":
			if !strings.Contains(l, "--from="+build.name) {
				t.Errorf("final stage copies from outside the build stage: %s", l)
			}
		}
	}
	if user == "" || strings.HasPrefix(user, "root") || strings.HasPrefix(user, "0") {
		t.Errorf("final stage USER %q, want a non-root user", user)
	}
	if expose != httpPort {
		t.Errorf("EXPOSE %s, want %s", expose, httpPort)
	}
	if !strings.Contains(entry, "memberlytics") {
		t.Errorf("ENTRYPOINT %q does not start memberlytics", entry)
	}
}

// httpPort is serve's listen port in every deployment file.
const httpPort = "8080"
