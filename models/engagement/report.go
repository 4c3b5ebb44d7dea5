package engagement

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/query"
	"github.com/memberlytics/memberlytics/report"
)

//go:embed report.sql
var reportSrc string

// Section is the engagement section of the report: activity and the
// score distribution, with the 90-day events by kind now and at the
// previous as_of.
var Section = report.NewSection(report.SectionSpec{
	ID: "engagement",
	Sources: []report.Source{
		{Model: "engagement", Table: "engagement", Columns: []string{"as_of", "member_id", "sessions_30d", "sessions_90d", "score", "engaged_low_spend", "logins_90d",
			"campaign_opens_90d", "campaign_clicks_90d", "reviews_90d", "shares_90d", "referrals_90d", "checkins_90d", "nps_answers_90d"}},
	},
	Queries: query.MustParse("engagement_report", reportSrc),
	Labels:  labels,
	Place:   170,
}, read, build)

// ReportSection returns Section (the report collects it from the registry).
func (m *Engagement) ReportSection() report.Section { return Section }

// events are the 90-day event totals of Figures, in the order of the
// totals query's columns after the summary figures.
var events = []string{"logins", "sessions", "campaign_opens", "campaign_clicks", "reviews", "shares", "referrals", "checkins", "nps_answers"}

// Totals are the engagement table's totals at one as_of.
type Totals struct {
	Members float64
	// Active30 and Active90 count members with a session (a business day
	// with an event) in the last 30 and 90 days.
	Active30, Active90 float64
	// AvgScore is the mean engagement score (0-100).
	AvgScore float64
	// EngagedLowSpend counts members in the top score quartile with spend
	// in the bottom half.
	EngagedLowSpend float64
	// Events are the 90-day totals per kind, in events order.
	Events []float64
}

// Figures are what the section shows.
type Figures struct {
	Missing   []report.Missing
	HasPrev   bool
	Cur, Prev Totals
	// Scores counts members per tenth of the score (0-10, ..., 90-100).
	Scores [10]float64
}

func read(ctx context.Context, in *report.Input) (*Figures, error) {
	e := &Figures{}
	if e.Missing, _ = in.Need("engagement"); e.Missing != nil {
		return e, nil
	}
	err := in.Each(ctx, "totals", func(scan func(...any) error) error {
		var d string
		v := make([]float64, 5+len(events))
		dst := []any{&d}
		for i := range v {
			dst = append(dst, &v[i])
		}
		if err := scan(dst...); err != nil {
			return err
		}
		t := Totals{Members: v[0], Active30: v[1], Active90: v[2], AvgScore: v[3], EngagedLowSpend: v[4], Events: v[5:]}
		switch d {
		case in.AsOf:
			e.Cur = t
		case in.Prev:
			e.Prev, e.HasPrev = t, true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = in.Each(ctx, "scores", func(scan func(...any) error) error {
		var b, m float64
		if err := scan(&b, &m); err != nil {
			return err
		}
		if i := int(b); i >= 0 && i < len(e.Scores) {
			e.Scores[i] += m
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ratio is a / b, NaN when b is zero.
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

func build(e *Figures, v report.View) []report.Block {
	s := report.Block{ID: "engagement", Title: v.T("engagement"), Notices: v.Notices(e.Missing)}
	if s.Notices != nil {
		return []report.Block{s}
	}
	s.Defs = []report.Def{
		{Term: v.T("def_windows"), Value: v.T("def_engagement_windows")},
		{Term: v.T("def_session"), Value: v.T("def_session_text")},
		{Term: v.T("def_score"), Value: v.T("def_score_text")},
		{Term: v.T("def_weights"), Value: weightsText(v)},
	}
	cur, prev := e.Cur, e.Prev
	s.Stats = []report.Stat{
		{Label: v.T("members"), Value: v.Int(cur.Members), Sub: v.Delta(cur.Members, prev.Members, e.HasPrev)},
		{Label: v.T("active_30d"), Value: v.Pct(ratio(cur.Active30, cur.Members)), Sub: v.Int(cur.Active30) + " " + v.T("unit_members")},
		{Label: v.T("active_90d"), Value: v.Pct(ratio(cur.Active90, cur.Members)), Sub: v.Int(cur.Active90) + " " + v.T("unit_members")},
		{Label: v.T("avg_score"), Value: v.Dec(cur.AvgScore, 1), Sub: v.Delta(cur.AvgScore, prev.AvgScore, e.HasPrev)},
		{Label: v.T("v.engaged_low_spend"), Value: v.Int(cur.EngagedLowSpend), Sub: v.Pct(ratio(cur.EngagedLowSpend, cur.Members))},
	}
	var bins []string
	for i := 0; i < 10; i++ {
		bins = append(bins, fmt.Sprintf("%d–%d", i*10, i*10+10))
	}
	var kinds []string
	for _, k := range events {
		kinds = append(kinds, v.T("event_"+k))
	}
	perMember := func(t Totals) []float64 {
		out := make([]float64, len(events))
		for i := range out {
			out[i] = math.NaN()
			if i < len(t.Events) {
				out[i] = ratio(t.Events[i], t.Members)
			}
		}
		return out
	}
	prevDate, curDate := v.DateLabels()
	series := []report.Series{{Name: curDate, Values: perMember(cur)}}
	if e.HasPrev {
		series = append([]report.Series{{Name: prevDate, Values: perMember(prev)}}, series...)
	}
	perM := v.T("per_member_90d")
	s.Charts = []report.Chart{
		{Title: v.T("engagement_scores"), SVG: report.Bars{Name: "engagement_scores", Label: v.T("engagement_scores"), Categories: bins, Series: []report.Series{{Name: v.T("members"), Values: e.Scores[:]}},
			Value: v.Compact, XTitle: v.T("score_range"), YTitle: v.Unit(v.T("members"), v.T("unit_count"))}.SVG()},
		{Title: v.T("engagement_events"), SVG: report.Bars{Name: "engagement_events", Label: v.T("engagement_events"), Categories: kinds, Series: series,
			Value: func(x float64) string { return v.Dec(x, 1) }, XTitle: v.T("event_kind"), YTitle: perM}.SVG()},
	}
	t := report.Table{Head: []string{v.T("event_kind"), v.Unit(v.T("events_90d"), v.T("unit_events")), perM, v.T("change")}, Num: []bool{false, true, true, true}}
	pc, pp := perMember(cur), perMember(prev)
	for i, k := range kinds {
		total := math.NaN()
		if i < len(cur.Events) {
			total = cur.Events[i]
		}
		t.Rows = append(t.Rows, []string{k, v.Int(total), v.Dec(pc[i], 2), v.Delta(pc[i], pp[i], e.HasPrev)})
	}
	s.Tables = []report.Table{t}
	return []report.Block{s}
}

// weightsText lists the engagement weights the run used, as recorded in
// model_params (weight_<event>), by event name.
func weightsText(v report.View) string {
	p := v.Params("engagement")
	var kinds []string
	for k := range p {
		if e, ok := strings.CutPrefix(k, "weight_"); ok {
			kinds = append(kinds, e)
		}
	}
	if len(kinds) == 0 {
		return fmt.Sprintf(v.T("not_recorded"), "engagement", "weight_*")
	}
	sort.Strings(kinds)
	out := ""
	for _, k := range kinds {
		if out != "" {
			out += ", "
		}
		out += k + " " + v.Dec(p["weight_"+k], 1)
	}
	return out
}

// labels are the section's texts.
var labels = map[report.Lang]map[string]string{
	report.English: {
		"unit_members":           "members",
		"unit_events":            "events",
		"def_windows":            "Windows",
		"engagement":             "Engagement",
		"def_engagement_windows": "30 and 90 days ending at the as_of (business days, inclusive)",
		"def_session":            "Session",
		"def_session_text":       "a business day with at least one event other than points_earned",
		"def_score":              "Score",
		"def_score_text":         "0-100 percentile of the weighted 90-day events among members",
		"def_weights":            "Weights",
		"active_30d":             "Active in 30 days",
		"active_90d":             "Active in 90 days",
		"avg_score":              "Mean score",
		"engagement_scores":      "Members by engagement score",
		"engagement_events":      "Events per member in 90 days, by kind",
		"score_range":            "Engagement score (0-100)",
		"event_kind":             "Event",
		"events_90d":             "Events in 90 days",
		"per_member_90d":         "Per member, 90 days",
		"event_logins":           "Logins",
		"event_sessions":         "Sessions",
		"event_campaign_opens":   "Campaign opens",
		"event_campaign_clicks":  "Campaign clicks",
		"event_reviews":          "Reviews",
		"event_shares":           "Shares",
		"event_referrals":        "Referrals",
		"event_checkins":         "Check-ins",
		"event_nps_answers":      "NPS answers",
	},
	report.Chinese: {
		"unit_members":           "人",
		"unit_events":            "次",
		"def_windows":            "统计窗口",
		"engagement":             "会员互动",
		"def_engagement_windows": "截至数据日期的 30 天与 90 天（业务日，含当日）",
		"def_session":            "访问",
		"def_session_text":       "有至少一个事件（points_earned 除外）的业务日",
		"def_score":              "互动分",
		"def_score_text":         "90 天加权事件数在会员中的百分位，0-100",
		"def_weights":            "权重",
		"active_30d":             "30 天内活跃",
		"active_90d":             "90 天内活跃",
		"avg_score":              "平均互动分",
		"engagement_scores":      "按互动分的会员分布",
		"engagement_events":      "90 天人均事件数（按类型）",
		"score_range":            "互动分（0-100）",
		"event_kind":             "事件",
		"events_90d":             "90 天事件数",
		"per_member_90d":         "人均（90 天）",
		"event_logins":           "登录",
		"event_sessions":         "访问",
		"event_campaign_opens":   "活动打开",
		"event_campaign_clicks":  "活动点击",
		"event_reviews":          "评价",
		"event_shares":           "分享",
		"event_referrals":        "推荐",
		"event_checkins":         "签到",
		"event_nps_answers":      "NPS 答卷",
	},
}
