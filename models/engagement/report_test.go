package engagement

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/report"
	"github.com/memberlytics/memberlytics/report/reporttest"
)

func TestSectionDeclared(t *testing.T) {
	if err := Section.Check(); err != nil {
		t.Error(err)
	}
}

var (
	reportDay1 = time.Date(2026, 11, 13, 0, 0, 0, 0, time.UTC)
	reportDay2 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
)

// fillEngagement writes n engagement rows for d (member i: sessions_30d
// i%3, sessions_90d i%3 + i%2, score i*100/n, engaged low spender when
// i%7 == 0, i logins) and the login weight in model_params.
func fillEngagement(t *testing.T, conn warehouse.Conn, d time.Time, n int) {
	t.Helper()
	var en [][]any
	for i := 0; i < n; i++ {
		low := uint8(0)
		if i%7 == 0 {
			low = 1
		}
		en = append(en, []any{d, fmt.Sprintf("m%03d", i), uint32(i % 3), uint32(i%3 + i%2), float64(i * 100 / n), low, uint32(i),
			uint32(1), uint32(0), uint32(2), uint32(0), uint32(0), uint32(1), uint32(0), "r"})
	}
	chtest.Insert(t, conn, "INSERT INTO engagement (as_of, member_id, sessions_30d, sessions_90d, score, engaged_low_spend, logins_90d, campaign_opens_90d, campaign_clicks_90d, reviews_90d, shares_90d, referrals_90d, checkins_90d, nps_answers_90d, run_id)", en)
	chtest.Insert(t, conn, "INSERT INTO model_params (as_of, model, name, value, run_id)", [][]any{{d, "engagement", "weight_login", 1.0, "r"}})
}

// TestSectionIntegration: on both engines the section reads the totals
// of the as_of and the previous one and the score distribution, and
// renders them in both languages between the potential section and the
// trends, with the recorded weights; a missing table is a notice naming
// the model.
func TestSectionIntegration(t *testing.T) {
	t.Parallel()
	for _, e := range chtest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			conn := e.Conn
			fillEngagement(t, conn, reportDay1, 36)
			fillEngagement(t, conn, reportDay2, 40)
			r, err := report.Load(context.Background(), conn, reportDay2, Section)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Sections) != 1 {
				t.Fatalf("%d sections read, want 1", len(r.Sections))
			}
			// 40 members; sessions_30d = i%3, so 26 active.
			en := r.Sections[0].Data.(*Figures)
			scored := 0.0
			for _, v := range en.Scores {
				scored += v
			}
			if en.Missing != nil || en.Cur.Members != 40 || en.Cur.Active30 != 26 || en.Cur.Active90 != 33 || en.Cur.EngagedLowSpend != 6 ||
				en.Cur.Events[0] != 780 || !en.HasPrev || en.Prev.Members != 36 || scored != 40 {
				t.Errorf("engagement = %+v", en)
			}
			for l, want := range map[report.Lang][]string{
				report.English: {"Engagement", "Active in 30 days", "65.0%", "26 members", "login 1.0", "30 and 90 days", "percentile", "business day",
					`download="engagement.csv"`, "2026-11-13", "+11.1%"},
				report.Chinese: {"会员互动", "30 天内活跃", "login 1.0", "统计窗口"},
			} {
				var b bytes.Buffer
				if err := report.Render(&b, r, report.Options{Lang: l, Currency: "¥"}); err != nil {
					t.Fatal(err)
				}
				out := html.UnescapeString(b.String())
				reporttest.Contains(t, l, out, want...)
				for _, name := range []string{"engagement_scores", "engagement_events"} {
					if !strings.Contains(out, `data-chart="`+name+`"`) {
						t.Errorf("%s: chart %s missing", l, name)
					}
				}
				if strings.Contains(out, "??") {
					t.Errorf("%s: untranslated label", l)
				}
				// Its place: after the headline figures, before the report's trends.
				reporttest.Order(t, l, out, "kpis", "engagement", "trends")
			}

			for _, tb := range []string{"engagement_latest", "engagement"} {
				if err := conn.Exec(context.Background(), "DROP TABLE IF EXISTS "+tb); err != nil {
					t.Fatal(err)
				}
			}
			r, err = report.Load(context.Background(), conn, reportDay2, Section)
			if err != nil {
				t.Fatal(err)
			}
			if ms := r.Sections[0].Missing; len(ms) != 1 || ms[0].Table != "engagement" || ms[0].Reason != report.NoTable || ms[0].Model != "engagement" {
				t.Errorf("missing = %+v, want engagement NoTable of model engagement", ms)
			}
			var b bytes.Buffer
			if err := report.Render(&b, r, report.Options{}); err != nil {
				t.Fatal(err)
			}
			if out := html.UnescapeString(b.String()); !strings.Contains(out, "model engagement has not written table engagement") || strings.Contains(out, `data-chart="engagement_scores"`) {
				t.Error("the page does not name the missing engagement table, or still draws its charts")
			}
		})
	}
}
