package deploytest

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// profileSettings reads every setting name used in users.xml's profiles.
func profileSettings(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deployDir, "clickhouse", "users.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Profiles struct {
			Items []struct {
				Settings []struct {
					XMLName xml.Name
				} `xml:",any"`
			} `xml:",any"`
		} `xml:"profiles"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range doc.Profiles.Items {
		for _, s := range p.Settings {
			if !slices.Contains(names, s.XMLName.Local) {
				names = append(names, s.XMLName.Local)
			}
		}
	}
	return names
}

// TestClickHouseUsersOnModernClickHouse checks deploy/clickhouse/users.xml
// against a modern ClickHouse (26.7 through chDB): every profile setting is
// one the server knows, and every GRANT parses (the parser refuses unknown
// privileges). The file targets 23.8+, where grants in users.xml exist;
// 18.16 cannot load it.
func TestClickHouseUsersOnModernClickHouse(t *testing.T) {
	conn := chtest.ModernDB(t)
	ctx := context.Background()
	settings := profileSettings(t)
	if len(settings) < 3 {
		t.Fatalf("read only %d profile settings from users.xml: %v", len(settings), settings)
	}
	rows, err := conn.Query(ctx, "SELECT name FROM system.settings WHERE name IN (?)", settings)
	if err != nil {
		t.Fatal(err)
	}
	var known []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		known = append(known, n)
	}
	rows.Close()
	for _, s := range settings {
		if !slices.Contains(known, s) {
			t.Errorf("users.xml profile setting %s is unknown to ClickHouse", s)
		}
	}

	data, err := os.ReadFile(filepath.Join(deployDir, "clickhouse", "users.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc usersXML
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range doc.Users.Items {
		for _, g := range u.Grants {
			n++
			q := strings.TrimSpace(g) + " TO " + u.XMLName.Local
			rows, err := conn.Query(ctx, "SELECT formatQuery(?)", q)
			if err != nil {
				t.Errorf("%s: grant does not parse: %v", u.XMLName.Local, err)
				continue
			}
			rows.Close()
		}
	}
	if n == 0 {
		t.Error("no grants in users.xml")
	}
}
