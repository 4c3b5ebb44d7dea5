// Package deploytest checks the deployment files under deploy/: every YAML,
// JSON and XML file parses, the systemd unit is hardened, the Kubernetes
// manifests agree with each other (probes, ports, Secret keys, selectors),
// the Docker image is static on a distroless base, the compose file waits
// for a healthy ClickHouse, the Grafana dashboard covers memberlytics'
// metrics, and every memberlytics.yaml shipped there loads with
// internal/platform/config.
//
// The package has no non-test code; it exists so that `go test ./deploy/...`
// runs these checks.
package deploytest
