package example

import (
	"context"
	_ "embed"
	"strconv"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the model's part of the report: members by paid orders in
// the window, now and at the previous as_of. No Place: it goes last.
var Section = report.NewSection(report.SectionSpec{
	ID: "order_count",
	Sources: []report.Source{
		{Model: "order_count", Table: "order_count", Columns: []string{"as_of", "member_id", "orders"}},
	},
	Queries: query.MustParse("order_count_report", reportSrc),
	Labels: map[report.Lang]map[string]string{
		report.English: {"order_count": "Orders per member", "order_count_orders": "Paid orders in the window",
			"order_count_note": "Members by their paid orders over models.order_count.window_days up to the as_of; 5 means 5 or more."},
		report.Chinese: {"order_count": "会员订单数", "order_count_orders": "窗口内已付订单数",
			"order_count_note": "按截至统计日、models.order_count.window_days 天内的已付订单数统计会员；5 表示 5 单及以上。"},
	},
}, readBuckets, buildBuckets)

// ReportSection returns Section; cmd collects it from the registry.
func (*OrderCount) ReportSection() report.Section { return Section }

// Buckets are the section's figures: members with 1..5+ orders.
type Buckets struct {
	Missing       []report.Missing
	HasPrev       bool
	Members, Prev [5]float64
}

func readBuckets(ctx context.Context, in *report.Input) (*Buckets, error) {
	b := &Buckets{}
	if b.Missing, b.HasPrev = in.Need("order_count"); b.Missing != nil {
		return b, nil
	}
	err := in.Each(ctx, "buckets", func(scan func(...any) error) error {
		var d string
		var k uint8
		var n float64
		if err := scan(&d, &k, &n); err != nil {
			return err
		}
		if d == in.AsOf {
			b.Members[k-1] = n
		} else {
			b.Prev[k-1] = n
		}
		return nil
	})
	return b, err
}

func buildBuckets(b *Buckets, v report.View) []report.Block {
	s := report.Block{ID: "order_count", Title: v.T("order_count"), Notices: v.Notices(b.Missing), Note: v.T("order_count_note")}
	if s.Notices != nil {
		return []report.Block{s}
	}
	t := report.Table{Head: []string{v.T("order_count_orders"), v.T("members"), v.T("change")}, Num: []bool{false, true, true}}
	cats := make([]string, 5)
	for i := range cats {
		cats[i] = strconv.Itoa(i + 1)
		if i == 4 {
			cats[i] += "+"
		}
		t.Rows = append(t.Rows, []string{cats[i], v.Int(b.Members[i]), v.Delta(b.Members[i], b.Prev[i], b.HasPrev)})
	}
	s.Tables = []report.Table{t}
	_, cur := v.DateLabels()
	s.Charts = []report.Chart{{Title: v.T("order_count"), SVG: report.Bars{Name: "order_count", Label: v.T("order_count"),
		Categories: cats, Series: []report.Series{{Name: cur, Values: b.Members[:]}}, Value: v.Compact,
		XTitle: v.T("order_count_orders"), YTitle: v.T("members")}.SVG()}}
	return []report.Block{s}
}
