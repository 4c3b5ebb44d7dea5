package loaders_test

import (
	"strings"
	"testing"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/loaders"
)

// TestLoadOmittedColumnsIntegration loads, on both engines, files that
// lack optional columns (which the loader leaves out of its insert for the
// server to fill) and the same rows with those columns present but empty
// (which it sends): every stored column but the lineage must be the same.
func TestLoadOmittedColumnsIntegration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		kind   loaders.Kind
		cols   string // every canonical column of the table, for the comparison
		narrow string // header of the file without the optional columns
		wide   string // header with them, their values empty
		rows   []string
	}{
		{
			kind:   loaders.Orders,
			cols:   "order_id, member_id, ordered_at, amount, discount, items, channel, store_id, status, updated_at",
			narrow: "order_id,member_id,ordered_at,amount",
			wide:   "order_id,member_id,ordered_at,amount,discount,items,channel,store_id,status,updated_at",
			rows:   []string{"O1,M1,2024-01-01T10:00:00Z,15.50", "O2,M2,2024-01-02 11:00:00,0"},
		},
		{
			kind:   loaders.Members,
			cols:   "member_id, joined_at, birthday, birth_date, gender, region, channel, source_tier, updated_at",
			narrow: "member_id,joined_at",
			wide:   "member_id,joined_at,birthday,gender,region,channel,source_tier,updated_at",
			rows:   []string{"M1,2023-05-01", "M2,2023-06-01T08:00:00Z"},
		},
		{
			kind:   loaders.Campaigns,
			cols:   "campaign_id, member_id, group, assigned_at, variant, channel, segment, cost, updated_at",
			narrow: "campaign_id,member_id,group,assigned_at",
			wide:   "campaign_id,member_id,group,assigned_at,variant,channel,segment,cost,updated_at",
			rows:   []string{"C1,M1,treatment,2024-01-01", "C1,M2,Control,2024-01-01"},
		},
		{
			kind:   loaders.Items,
			cols:   "order_id, line_no, member_id, sku, category, category_l1, category_l2, category_l3, quantity, amount, updated_at",
			narrow: "order_id,line_no,sku,quantity,amount,updated_at",
			wide:   "order_id,line_no,sku,quantity,amount,updated_at,member_id,category",
			rows:   []string{"O1,1,S1,2,3.00,2024-01-01", "O9,1,S2,1,4.50,2024-01-01"},
		},
	}
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			conn := e.Conn
			for _, c := range cases {
				narrow, wide := c.narrow+"\n", c.wide+"\n"
				empty := strings.Repeat(",", strings.Count(c.wide, ",")-strings.Count(c.narrow, ","))
				for _, r := range c.rows {
					narrow += r + "\n"
					wide += r + empty + "\n"
				}
				o := loaders.Options{Kind: c.kind}
				n := load(t, conn, o, writeFile(t, string(c.kind)+"-narrow.csv", narrow))
				w := load(t, conn, o, writeFile(t, string(c.kind)+"-wide.csv", wide))
				if n.Rows != int64(len(c.rows)) || w.Rows != int64(len(c.rows)) {
					t.Fatalf("%s: loaded %d and %d rows, want %d each", c.kind, n.Rows, w.Rows, len(c.rows))
				}
				var text []string // each column as text, NULL as \N
				for _, col := range strings.Split(c.cols, ", ") {
					if col == "group" {
						col = "`group`"
					}
					text = append(text, "ifNull(toString("+col+"), '\\N')")
				}
				list := strings.Join(text, ", ")
				q := "SELECT " + list + " FROM " + c.kind.Table() + " WHERE file_id = ? ORDER BY " + list
				got, want := chtest.Rows(t, conn, q, n.FileID), chtest.Rows(t, conn, q, w.FileID)
				if len(got) != len(c.rows) || strings.Join(flat(got), "|") != strings.Join(flat(want), "|") {
					t.Errorf("%s: without the optional columns\n%v\nwith them empty\n%v", c.kind, got, want)
				}
			}
		})
	}
}

func flat(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r, ","))
	}
	return out
}
