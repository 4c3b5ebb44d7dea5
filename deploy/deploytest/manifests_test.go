package deploytest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/platform/config"
)

func TestComposeWaitsForHealthyClickHouse(t *testing.T) {
	docs := yamlDocs(t, filepath.Join(deployDir, "docker", "compose.yaml"))
	if len(docs) != 1 {
		t.Fatalf("compose.yaml: %d documents, want 1", len(docs))
	}
	c := docs[0]
	ch := get(c, "services", "clickhouse")
	image := str(ch, "image")
	m := regexp.MustCompile(`^clickhouse/clickhouse-server:(\d+)\.(\d+)`).FindStringSubmatch(image)
	if m == nil {
		t.Fatalf("clickhouse image %q, want clickhouse/clickhouse-server:<major>.<minor>", image)
	}
	if major, _ := strconv.Atoi(m[1]); major < 24 {
		t.Errorf("clickhouse image %s is not a current release", image)
	}
	if len(list(ch, "healthcheck", "test")) == 0 {
		t.Error("clickhouse has no healthcheck")
	}
	ml := get(c, "services", "memberlytics")
	if got := str(ml, "depends_on", "clickhouse", "condition"); got != "service_healthy" {
		t.Errorf("memberlytics depends_on clickhouse condition %q, want service_healthy", got)
	}
	if cmd := list(ml, "command"); len(cmd) == 0 || cmd[0] != "serve" {
		t.Errorf("memberlytics command %v, want serve ...", cmd)
	}
	// Migrations run to completion before serve starts (/readyz fails while
	// one is pending), from the same image and config.
	mig := get(c, "services", "migrate")
	if cmd := list(mig, "command"); len(cmd) == 0 || cmd[0] != "migrate" {
		t.Errorf("migrate service command %v, want migrate ...", cmd)
	}
	if got := str(ml, "depends_on", "migrate", "condition"); got != "service_completed_successfully" {
		t.Errorf("memberlytics depends_on migrate condition %q, want service_completed_successfully", got)
	}
	if str(mig, "image") != str(ml, "image") || fmt.Sprint(list(mig, "volumes")) != fmt.Sprint(list(ml, "volumes")[:1]) {
		t.Error("migrate must use serve's image and config file")
	}
	if fmt.Sprint(get(mig, "environment")) != fmt.Sprint(get(ml, "environment")) || fmt.Sprint(list(mig, "secrets")) != fmt.Sprint(list(ml, "secrets")) {
		t.Error("migrate must get serve's environment and secrets (config validation needs the same secrets)")
	}
	// Every MEMBERLYTICS_CLICKHOUSE_* variable is one the config reads.
	known := []string{config.EnvAddr, config.EnvDatabase, config.EnvUser, config.EnvPassword, config.EnvPasswordFile}
	env, _ := get(ml, "environment").(map[string]any)
	if len(env) == 0 {
		t.Fatal("memberlytics has no environment")
	}
	for k, v := range env {
		if strings.HasPrefix(k, "MEMBERLYTICS_CLICKHOUSE_") && !slices.Contains(known, k) {
			t.Errorf("environment %s is not read by internal/platform/config (known: %v)", k, known)
		}
		if k == config.EnvPassword {
			t.Errorf("%s=%v: pass the password as a secret file (%s)", k, v, config.EnvPasswordFile)
		}
	}
	if env[config.EnvPasswordFile] == nil {
		t.Errorf("memberlytics environment lacks %s", config.EnvPasswordFile)
	}
	// Secret files named in the environment are mounted secrets.
	secrets := map[string]bool{}
	for _, s := range list(ml, "secrets") {
		secrets["/run/secrets/"+fmt.Sprint(s)] = true
		if get(c, "secrets", fmt.Sprint(s)) == nil {
			t.Errorf("secret %v is not defined at top level", s)
		}
	}
	for k, v := range env {
		if strings.HasSuffix(k, "_FILE") && !secrets[fmt.Sprint(v)] {
			t.Errorf("%s=%v is not a mounted secret", k, v)
		}
	}
	// The mounted config file exists, the Dockerfile is where build says, the
	// published port is serve's.
	for _, v := range list(ml, "volumes") {
		src, _, _ := strings.Cut(fmt.Sprint(v), ":")
		if strings.HasPrefix(src, ".") {
			if _, err := os.Stat(filepath.Join(deployDir, "docker", src)); err != nil {
				t.Errorf("volume source %s: %v", src, err)
			}
		}
	}
	dockerfile := filepath.Join(deployDir, "docker", str(ml, "build", "context"), str(ml, "build", "dockerfile"))
	if _, err := os.Stat(dockerfile); err != nil {
		t.Errorf("build.dockerfile: %v", err)
	}
	ports := list(ml, "ports")
	if len(ports) == 0 || !strings.HasSuffix(fmt.Sprint(ports[0]), ":"+httpPort) {
		t.Errorf("memberlytics ports %v, want one ending in :%s", ports, httpPort)
	}
}

// kube loads the manifests kustomization.yaml lists, by kind/name.
func kube(t *testing.T) map[string]map[string]any {
	t.Helper()
	dir := filepath.Join(deployDir, "kubernetes")
	kust := yamlDocs(t, filepath.Join(dir, "kustomization.yaml"))[0]
	listed := map[string]bool{"kustomization.yaml": true}
	out := map[string]map[string]any{}
	for _, r := range list(kust, "resources") {
		name := fmt.Sprint(r)
		listed[name] = true
		for _, d := range yamlDocs(t, filepath.Join(dir, name)) {
			out[str(d, "kind")+"/"+str(d, "metadata", "name")] = d
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") && !listed[e.Name()] {
			t.Errorf("%s is not listed in kustomization.yaml resources", e.Name())
		}
	}
	return out
}

func TestKubernetesManifestsAgree(t *testing.T) {
	k := kube(t)
	dep := k["Deployment/memberlytics"]
	if dep == nil {
		t.Fatalf("no Deployment/memberlytics among %d objects", len(k))
	}
	pod := get(dep, "spec", "template", "spec")
	podLabels, _ := get(dep, "spec", "template", "metadata", "labels").(map[string]any)
	for key, v := range get(dep, "spec", "selector", "matchLabels").(map[string]any) {
		if podLabels[key] != v {
			t.Errorf("Deployment selector %s=%v does not match the pod labels", key, v)
		}
	}
	if get(dep, "spec", "replicas") != 1 || str(dep, "spec", "strategy", "type") != "Recreate" {
		t.Error("Deployment must run one replica with strategy Recreate: two schedulers would run every job twice")
	}
	if get(pod, "securityContext", "runAsNonRoot") != true {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}
	containers := list(pod, "containers")
	if len(containers) != 1 {
		t.Fatalf("%d containers, want 1", len(containers))
	}
	c := containers[0]
	if args := list(c, "args"); len(args) == 0 || args[0] != "serve" {
		t.Errorf("container args %v, want serve ...", args)
	}
	// Probes: liveness /healthz, readiness /readyz, both on the serve port.
	portNames := map[string]string{}
	for _, p := range list(c, "ports") {
		portNames[str(p, "name")] = fmt.Sprint(get(p, "containerPort"))
	}
	probes := []struct{ probe, path string }{
		{"livenessProbe", "/healthz"},
		{"readinessProbe", "/readyz"},
	}
	for _, p := range probes {
		if got := str(c, p.probe, "httpGet", "path"); got != p.path {
			t.Errorf("%s path %q, want %q", p.probe, got, p.path)
		}
		port := fmt.Sprint(get(c, p.probe, "httpGet", "port"))
		if n, ok := portNames[port]; ok {
			port = n
		}
		if port != httpPort {
			t.Errorf("%s port %s, want %s", p.probe, port, httpPort)
		}
	}
	// Prometheus annotations point at the serve port.
	ann := get(dep, "spec", "template", "metadata", "annotations")
	if str(ann, "prometheus.io/scrape") != "true" || str(ann, "prometheus.io/port") != httpPort || str(ann, "prometheus.io/path") != "/metrics" {
		t.Errorf("pod prometheus.io annotations %v, want scrape true, port %s, path /metrics", ann, httpPort)
	}

	// The files each volume provides: the keys of its Secret or ConfigMap,
	// which must exist in the manifests.
	volumeFiles := map[string][]string{}
	for _, v := range list(pod, "volumes") {
		name := str(v, "name")
		var obj map[string]any
		var data string
		switch {
		case get(v, "secret") != nil:
			obj, data = k["Secret/"+str(v, "secret", "secretName")], "stringData"
		case get(v, "configMap") != nil:
			obj, data = k["ConfigMap/"+str(v, "configMap", "name")], "data"
		default:
			volumeFiles[name] = nil
			continue
		}
		if obj == nil {
			t.Errorf("volume %s: its Secret or ConfigMap is not in the manifests", name)
			continue
		}
		for key := range get(obj, data).(map[string]any) {
			volumeFiles[name] = append(volumeFiles[name], key)
		}
	}

	// Every container (the migrate init container and serve): hardened,
	// bounded, secrets as files from mounted volumes, --config mounted.
	mounted := map[string]bool{}
	inits := list(pod, "initContainers")
	if len(inits) != 1 || str(inits[0], "args", 0) != "migrate" || str(inits[0], "image") != str(c, "image") {
		t.Error("want one init container running migrate from serve's image: /readyz fails while migrations are pending")
	} else if fmt.Sprint(list(inits[0], "env")) != fmt.Sprint(list(c, "env")) {
		t.Error("the migrate init container must get serve's environment (config validation needs the same secrets)")
	}
	for _, ct := range append(slices.Clone(inits), c) {
		name := str(ct, "name")
		sc := get(ct, "securityContext")
		if get(sc, "readOnlyRootFilesystem") != true || get(sc, "allowPrivilegeEscalation") != false {
			t.Errorf("%s: securityContext must set readOnlyRootFilesystem: true and allowPrivilegeEscalation: false", name)
		}
		if !slices.Contains(list(sc, "capabilities", "drop"), any("ALL")) {
			t.Errorf("%s: does not drop ALL capabilities", name)
		}
		if get(ct, "resources", "requests", "memory") == nil || get(ct, "resources", "limits", "memory") == nil {
			t.Errorf("%s: lacks memory requests and limits", name)
		}
		files := map[string]bool{}
		for _, m := range list(ct, "volumeMounts") {
			mounted[str(m, "name")] = true
			for _, key := range volumeFiles[str(m, "name")] {
				files[str(m, "mountPath")+"/"+key] = true
			}
		}
		for _, e := range list(ct, "env") {
			if v := str(e, "value"); strings.HasSuffix(str(e, "name"), "_FILE") && !files[v] {
				t.Errorf("%s: env %s=%s is not a mounted Secret or ConfigMap key", name, str(e, "name"), v)
			}
			if (strings.Contains(str(e, "name"), "PASSWORD") || strings.Contains(str(e, "name"), "TOKEN")) && !strings.HasSuffix(str(e, "name"), "_FILE") {
				t.Errorf("%s: env %s: pass secrets as files", name, str(e, "name"))
			}
		}
		args := list(ct, "args")
		for i, a := range args {
			if a == "--config" && (i+1 >= len(args) || !files[fmt.Sprint(args[i+1])]) {
				t.Errorf("%s: --config is not a mounted ConfigMap key", name)
			}
		}
		if !files["/var/run/secrets/memberlytics/clickhouse-password"] {
			t.Errorf("%s: the ClickHouse password is not mounted as a file", name)
		}
	}
	for v := range volumeFiles {
		if !mounted[v] {
			t.Errorf("volume %s is not mounted", v)
		}
	}

	// Service selects the pod and targets the serve port.
	svc := k["Service/memberlytics"]
	for key, v := range get(svc, "spec", "selector").(map[string]any) {
		if podLabels[key] != v {
			t.Errorf("Service selector %s=%v does not match the pod labels", key, v)
		}
	}
	sp := list(svc, "spec", "ports")
	if len(sp) != 1 || portNames[fmt.Sprint(get(sp[0], "targetPort"))] != httpPort {
		t.Errorf("Service ports %v, want one targeting the container's %s port", sp, httpPort)
	}
	// ServiceMonitor selects the Service and scrapes /metrics.
	sm := k["ServiceMonitor/memberlytics"]
	svcLabels, _ := get(svc, "metadata", "labels").(map[string]any)
	for key, v := range get(sm, "spec", "selector", "matchLabels").(map[string]any) {
		if svcLabels[key] != v {
			t.Errorf("ServiceMonitor selector %s=%v does not match the Service labels", key, v)
		}
	}
	ep := list(sm, "spec", "endpoints")
	if len(ep) != 1 || str(ep[0], "port") != str(sp[0], "name") || str(ep[0], "path") != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %v, want port %s path /metrics", ep, str(sp[0], "name"))
	}
	if len(ep) == 1 && get(ep[0], "honorLabels") != nil {
		t.Error("ServiceMonitor sets honorLabels: no metric label clashes with Prometheus' target labels, and honoring them lets the app override job and instance")
	}
}

// usersXML is the part of deploy/clickhouse/users.xml the test reads.
type usersXML struct {
	Profiles struct {
		Items []struct {
			XMLName  xml.Name
			Readonly string `xml:"readonly"`
		} `xml:",any"`
	} `xml:"profiles"`
	Users struct {
		Items []chUser `xml:",any"`
	} `xml:"users"`
}

// chUser is one user of users.xml.
type chUser struct {
	XMLName        xml.Name
	Password       *string  `xml:"password"`
	PasswordSHA256 string   `xml:"password_sha256_hex"`
	Networks       []string `xml:"networks>ip"`
	Profile        string   `xml:"profile"`
	Grants         []string `xml:"grants>query"`
}

func TestClickHouseUsers(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "clickhouse", "users.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc usersXML
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	readonly := map[string]string{}
	for _, p := range doc.Profiles.Items {
		readonly[p.XMLName.Local] = p.Readonly
	}
	grantRE := regexp.MustCompile(`^GRANT ([A-Z ,]+) ON (memberlytics|memberlytics_work)\.\*$`)
	tests := []struct {
		user     string
		readonly string
		allowed  []string // the only privileges this user may hold
		need     []string // privileges it must hold
		dbs      []string // the databases it must have grants on, and no other
	}{
		{"memberlytics", "", []string{"CREATE DATABASE", "SELECT", "INSERT", "ALTER", "CREATE TABLE", "CREATE VIEW", "DROP TABLE", "DROP VIEW", "TRUNCATE", "OPTIMIZE", "SHOW"},
			[]string{"CREATE DATABASE", "SELECT", "INSERT", "ALTER", "CREATE TABLE", "CREATE VIEW", "DROP TABLE"}, []string{"memberlytics", "memberlytics_work"}},
		// The BI user never gets the work database (stage and scratch tables).
		{"memberlytics_bi", "1", []string{"SELECT", "SHOW"}, []string{"SELECT"}, []string{"memberlytics"}},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			i := slices.IndexFunc(doc.Users.Items, func(u chUser) bool { return u.XMLName.Local == tt.user })
			if i < 0 {
				t.Fatalf("user %s missing", tt.user)
			}
			u := doc.Users.Items[i]
			if u.Password != nil {
				t.Error("plain <password>: use password_sha256_hex")
			}
			if u.PasswordSHA256 == "" {
				t.Error("no password_sha256_hex")
			}
			if len(u.Networks) == 0 {
				t.Error("no networks: the user could connect from anywhere")
			}
			for _, n := range u.Networks {
				if n == "::/0" || n == "0.0.0.0/0" {
					t.Errorf("network %s lets the user connect from anywhere", n)
				}
			}
			got, ok := readonly[u.Profile]
			if !ok {
				t.Fatalf("profile %q not defined", u.Profile)
			}
			if got != tt.readonly {
				t.Errorf("profile %s readonly=%q, want %q", u.Profile, got, tt.readonly)
			}
			var privs, dbs []string
			for _, g := range u.Grants {
				m := grantRE.FindStringSubmatch(strings.TrimSpace(g))
				if m == nil {
					t.Errorf("grant %q is not GRANT ... ON memberlytics.* or memberlytics_work.*", g)
					continue
				}
				if !slices.Contains(dbs, m[2]) {
					dbs = append(dbs, m[2])
				}
				for _, p := range strings.Split(m[1], ",") {
					privs = append(privs, strings.TrimSpace(p))
				}
			}
			for _, p := range privs {
				if !slices.Contains(tt.allowed, p) {
					t.Errorf("privilege %s not allowed for %s", p, tt.user)
				}
			}
			for _, p := range tt.need {
				if !slices.Contains(privs, p) {
					t.Errorf("privilege %s missing for %s", p, tt.user)
				}
			}
			slices.Sort(dbs)
			if !slices.Equal(dbs, tt.dbs) {
				t.Errorf("%s has grants on %v, want %v", tt.user, dbs, tt.dbs)
			}
		})
	}
}

// dashboardMetrics are the metrics the dashboard must chart, with the
// labels it must break them down by.
var dashboardMetrics = []struct {
	metric string
	by     []string
}{
	{"memberlytics_job_runs_total", []string{"job_name", "status"}},
	{"memberlytics_job_duration_seconds_bucket", []string{"job_name", "le"}},
	{"memberlytics_job_last_success_timestamp_seconds", []string{"job_name"}},
	{"memberlytics_rows_loaded_total", []string{"kind"}},
	{"memberlytics_rows_rejected_total", []string{"kind"}},
	{"memberlytics_export_rows_total", []string{"table"}},
	{"memberlytics_clickhouse_query_duration_seconds_bucket", []string{"query", "le"}},
	{"memberlytics_kpi_members", nil},
	{"memberlytics_kpi_active_members", nil},
	{"memberlytics_kpi_revenue", nil},
	{"memberlytics_kpi_churn_risk_share", nil},
}

// dashVar is a dashboard template variable.
type dashVar struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

func TestGrafanaDashboard(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "grafana", "memberlytics-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
		Panels []struct {
			ID         int    `json:"id"`
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource *struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []dashVar `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Error("dashboard needs a uid and a title")
	}
	if !slices.ContainsFunc(dash.Templating.List, func(v dashVar) bool { return v.Name == "datasource" && v.Type == "datasource" }) {
		t.Error("no datasource variable: the dashboard would be bound to one Prometheus")
	}
	ids := map[int]bool{}
	var exprs []string
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not use the datasource variable", p.Title)
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q has an empty query", p.Title)
			}
			if strings.Count(tg.Expr, "(") != strings.Count(tg.Expr, ")") || strings.Count(tg.Expr, "{") != strings.Count(tg.Expr, "}") {
				t.Errorf("panel %q: unbalanced query %s", p.Title, tg.Expr)
			}
			exprs = append(exprs, tg.Expr)
		}
	}
	byRE := regexp.MustCompile(`by \(([^)]*)\)`)
	for _, m := range dashboardMetrics {
		var labels []string
		found := false
		for _, e := range exprs {
			if !regexp.MustCompile(`\b` + m.metric + `\b`).MatchString(e) {
				continue
			}
			found = true
			for _, g := range byRE.FindAllStringSubmatch(e, -1) {
				for _, l := range strings.Split(g[1], ",") {
					labels = append(labels, strings.TrimSpace(l))
				}
			}
		}
		if !found {
			t.Errorf("no panel queries %s", m.metric)
			continue
		}
		for _, l := range m.by {
			if !slices.Contains(labels, l) {
				t.Errorf("%s is never broken down by %s", m.metric, l)
			}
		}
	}
}

// TestSystemdAnalyzeVerify runs systemd-analyze verify on the unit when the
// program is installed: unknown keys and bad values show up as warnings.
func TestSystemdAnalyzeVerify(t *testing.T) {
	bin, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	data, err := os.ReadFile(filepath.Join(deployDir, "systemd", "memberlytics.service"))
	if err != nil {
		t.Fatal(err)
	}
	// verify checks that the Exec lines' program exists; point them at one that does.
	unit := strings.ReplaceAll(string(data), "=/usr/local/bin/memberlytics ", "=/bin/true ")
	path := filepath.Join(t.TempDir(), "memberlytics.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "verify", "--man=no", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if err != nil || strings.TrimSpace(out.String()) != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out.String())
	}
}
