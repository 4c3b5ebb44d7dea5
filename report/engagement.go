package report

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/memberlytics/memberlytics/internal/platform/asof"
)

// engagementColumns are the engagement columns the report reads.
var engagementColumns = []string{"as_of", "member_id", "sessions_30d", "sessions_90d", "score", "engaged_low_spend", "logins_90d",
	"campaign_opens_90d", "campaign_clicks_90d", "reviews_90d", "shares_90d", "referrals_90d", "checkins_90d", "nps_answers_90d"}

// engagementEvents are the 90-day event totals of Engagement, in the
// order of engagement.sql's columns after the summary figures.
var engagementEvents = []string{"logins", "sessions", "campaign_opens", "campaign_clicks", "reviews", "shares", "referrals", "checkins", "nps_answers"}

// EngagementFigures are the engagement table's totals at one as_of.
type EngagementFigures struct {
	Members float64
	// Active30 and Active90 count members with a session (a business day
	// with an event) in the last 30 and 90 days.
	Active30, Active90 float64
	// AvgScore is the mean engagement score (0-100).
	AvgScore float64
	// EngagedLowSpend counts members in the top score quartile with spend
	// in the bottom half.
	EngagedLowSpend float64
	// Events are the 90-day totals per kind, in engagementEvents order.
	Events []float64
}

// Engagement is the engagement section.
type Engagement struct {
	Missing   []Missing
	HasPrev   bool
	Cur, Prev EngagementFigures
	// Scores counts members per tenth of the score (0-10, ..., 90-100).
	Scores [10]float64
}

func (l *loader) engagement(ctx context.Context, r *Report) error {
	e := &r.Engagement
	e.Missing, _ = l.need("engagement")
	if e.Missing != nil {
		return nil
	}
	n := 5 + len(engagementEvents)
	rows, err := l.byDate(ctx, "engagement", n)
	if err != nil {
		return err
	}
	fig := func(v []float64) EngagementFigures {
		return EngagementFigures{Members: v[0], Active30: v[1], Active90: v[2], AvgScore: v[3], EngagedLowSpend: v[4], Events: v[5:]}
	}
	if v, ok := rows[l.asOf]; ok {
		e.Cur = fig(v)
	}
	if v, ok := rows[l.prev]; ok {
		e.Prev, e.HasPrev = fig(v), true
	}
	return l.each(ctx, "engagement_scores", l.args(), func(scan func(...any) error) error {
		var b, m float64
		if err := scan(&b, &m); err != nil {
			return err
		}
		if i := int(b); i >= 0 && i < len(e.Scores) {
			e.Scores[i] += m
		}
		return nil
	})
}

// engagementSection shows activity and the score distribution, with the
// 90-day events by kind now and at the previous as_of.
func engagementSection(r *Report, f Format) Block {
	l := f.Lang
	e := r.Engagement
	s := Block{ID: "engagement", Title: l.T("engagement"), Notices: notices(l, e.Missing)}
	if s.Notices != nil {
		return s
	}
	s.Defs = []Def{
		{l.T("def_windows"), l.T("def_engagement_windows")},
		{l.T("def_session"), l.T("def_session_text")},
		{l.T("def_score"), l.T("def_score_text")},
		{l.T("def_weights"), weightsText(r, f)},
	}
	cur, prev := e.Cur, e.Prev
	s.Stats = []Stat{
		{l.T("members"), f.Int(cur.Members), change(f, cur.Members, prev.Members, e.HasPrev)},
		{l.T("active_30d"), f.Pct(ratio(cur.Active30, cur.Members)), f.Int(cur.Active30) + " " + l.T("unit_members")},
		{l.T("active_90d"), f.Pct(ratio(cur.Active90, cur.Members)), f.Int(cur.Active90) + " " + l.T("unit_members")},
		{l.T("avg_score"), f.Dec(cur.AvgScore, 1), change(f, cur.AvgScore, prev.AvgScore, e.HasPrev)},
		{l.T("v.engaged_low_spend"), f.Int(cur.EngagedLowSpend), f.Pct(ratio(cur.EngagedLowSpend, cur.Members))},
	}
	var bins []string
	for i := 0; i < 10; i++ {
		bins = append(bins, fmt.Sprintf("%d–%d", i*10, i*10+10))
	}
	var kinds []string
	for _, k := range engagementEvents {
		kinds = append(kinds, l.T("event_"+k))
	}
	perMember := func(fg EngagementFigures) []float64 {
		out := make([]float64, len(engagementEvents))
		for i := range out {
			out[i] = math.NaN()
			if i < len(fg.Events) {
				out[i] = ratio(fg.Events[i], fg.Members)
			}
		}
		return out
	}
	series := []Series{{r.AsOf.Format(asof.Layout), perMember(cur)}}
	if e.HasPrev {
		series = append([]Series{{r.Prev.Format(asof.Layout), perMember(prev)}}, series...)
	}
	perM := l.T("per_member_90d")
	s.Charts = []Chart{
		{l.T("engagement_scores"), Bars{Name: "engagement_scores", Label: l.T("engagement_scores"), Categories: bins, Series: []Series{{l.T("members"), e.Scores[:]}},
			Value: f.Compact, XTitle: l.T("score_range"), YTitle: f.Unit(l.T("members"), l.T("unit_count"))}.SVG()},
		{l.T("engagement_events"), Bars{Name: "engagement_events", Label: l.T("engagement_events"), Categories: kinds, Series: series,
			Value: func(v float64) string { return f.Dec(v, 1) }, XTitle: l.T("event_kind"), YTitle: perM}.SVG()},
	}
	t := Table{Head: []string{l.T("event_kind"), f.Unit(l.T("events_90d"), l.T("unit_events")), perM, l.T("change")}, Num: []bool{false, true, true, true}}
	pc, pp := perMember(cur), perMember(prev)
	for i, k := range kinds {
		total := math.NaN()
		if i < len(cur.Events) {
			total = cur.Events[i]
		}
		t.Rows = append(t.Rows, []string{k, f.Int(total), f.Dec(pc[i], 2), change(f, pc[i], pp[i], e.HasPrev)})
	}
	s.Tables = []Table{t}
	return s
}

// weightsText lists the engagement weights the run used, as recorded in
// model_params (weight_<event>), by event name.
func weightsText(r *Report, f Format) string {
	p := r.Params["engagement"]
	var kinds []string
	for k := range p {
		if e, ok := strings.CutPrefix(k, "weight_"); ok {
			kinds = append(kinds, e)
		}
	}
	if len(kinds) == 0 {
		return fmt.Sprintf(f.Lang.T("not_recorded"), "engagement", "weight_*")
	}
	sort.Strings(kinds)
	out := ""
	for _, k := range kinds {
		if out != "" {
			out += ", "
		}
		out += k + " " + f.Dec(p["weight_"+k], 1)
	}
	return out
}
