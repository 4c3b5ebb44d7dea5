package engagement

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/platform/warehouse"
	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
	"github.com/memberlytics/memberlytics/internal/testkit/modeltest"
)

func TestEngagementIntegration(t *testing.T) {
	t.Parallel()
	modeltest.ForEachEngine(t, modeltest.Fixture{
		Members: []modeltest.Member{{ID: "p", Joined: "2023-01-01 00:00:00"}, {ID: "q", Joined: "2023-01-01 00:00:00"}, {ID: "r", Joined: "2023-01-01 00:00:00"},
			{ID: "s", Joined: "2023-01-01 00:00:00"}, {ID: "late", Joined: "2024-04-05 00:00:00"}},
		Orders: []modeltest.Order{{Member: "q", At: "2024-02-01 10:00:00", Amount: 50}, {Member: "r", At: "2024-03-01 10:00:00", Amount: 1000},
			{Member: "p", At: "2024-03-01 10:00:00", Amount: 400, Status: "refunded"}},
		Events: []modeltest.Event{
			{Member: "p", At: "2024-03-31 23:59:59", Typ: "login", Value: 0}, {Member: "p", At: "2024-03-31 10:00:00", Typ: "login", Value: 0},
			{Member: "p", At: "2024-02-01 10:00:00", Typ: "campaign_click", Value: 0}, {Member: "p", At: "2024-03-15 10:00:00", Typ: "referral", Value: 0},
			{Member: "p", At: "2024-03-20 10:00:00", Typ: "points_earned", Value: 50},
			{Member: "p", At: "2024-01-01 10:00:00", Typ: "nps_survey", Value: 9}, // before the 90 days; still the latest NPS
			{Member: "q", At: "2024-01-02 00:00:00", Typ: "login", Value: 0},      // first second of the 90 days
			{Member: "q", At: "2024-03-05 10:00:00", Typ: "review", Value: 0},
			{Member: "q", At: "2024-04-01 00:00:00", Typ: "login", Value: 0}, // after as_of
			{Member: "s", At: "2024-03-30 10:00:00", Typ: "campaign_open", Value: 0}, {Member: "s", At: "2024-03-30 11:00:00", Typ: "campaign_open", Value: 0},
			{Member: "late", At: "2024-04-06 10:00:00", Typ: "login", Value: 0},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.Run(t, conn, modeltest.Must(New(DefaultParams())), "2024-03-31", time.UTC)
		// By hand, default weights (login 1, session 1, open 1, click 2, review 4,
		// referral 8; points_earned is no engagement, not even a session day):
		// p: logins 2, sessions 30d {03-15, 03-31} = 2, 90d + 02-01 = 3;
		//    weighted 2 + 3 + 2 + 8 = 15 -> 4 of 4 at or below: score 100; 3 below -> 75
		// q: login 1 (90d only), review 1, sessions 1 / 2; weighted 1 + 2 + 4 = 7 -> 75
		// s: opens 2, sessions 1; weighted 2 + 1 = 3 -> 50;  r: 0
		// spend: p 0 (refund only), s 0, q 50, r 1000 -> bottom half: p, s
		want := [][]string{
			{"p", "2", "2", "2", "3", "1", "1", "50", "0", "9", "15", "100", "75", "0", "1"},
			{"q", "0", "1", "1", "2", "0", "0", "0", "0", "\\N", "7", "75", "50", "50", "0"},
			{"r", "0", "0", "0", "0", "0", "0", "0", "0", "\\N", "0", "0", "0", "1000", "0"},
			{"s", "0", "0", "1", "1", "0", "0", "0", "0", "\\N", "3", "50", "25", "0", "0"},
		}
		got := chtest.Rows(t, conn, `SELECT member_id, toString(logins_30d), toString(logins_90d), toString(sessions_30d),
		toString(sessions_90d), toString(campaign_clicks_90d), toString(referrals_90d), toString(points_earned_90d),
		toString(nps_answers_90d), ifNull(toString(nps_last), '\\N'), toString(weighted_90d), toString(round(score, 4)),
		toString(score_percentile), toString(toFloat64(spend_365d)), toString(engaged_low_spend)
		FROM engagement ORDER BY member_id`)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("engagement:\n got %v\nwant %v", got, want)
		}
		if got := chtest.Rows(t, conn, "SELECT toString(campaign_opens_30d), toString(reviews_90d) FROM engagement WHERE member_id IN ('s', 'q') ORDER BY member_id"); !reflect.DeepEqual(got, [][]string{{"0", "1"}, {"2", "0"}}) {
			t.Errorf("opens/reviews: %v", got)
		}
	})
}

// TestEngagementTiesIntegration: members with equal scores share one
// percentile (the share of members scoring strictly lower), so a tie at
// the top is not split arbitrarily; shares, check-ins and redeemed points
// count with their weights (share 3, checkin 2, points_redeemed 2 per
// event, plus 1 per session day).
func TestEngagementTiesIntegration(t *testing.T) {
	t.Parallel()
	var events []modeltest.Event
	for _, m := range []string{"a", "b", "c"} {
		events = append(events, modeltest.Event{Member: m, At: "2024-03-10 09:00:00", Typ: "share", Value: 0}, modeltest.Event{Member: m, At: "2024-03-10 10:00:00", Typ: "checkin", Value: 0},
			modeltest.Event{Member: m, At: "2024-03-10 11:00:00", Typ: "points_redeemed", Value: 30})
	}
	events = append(events, modeltest.Event{Member: "y", At: "2024-03-10 09:00:00", Typ: "login", Value: 0})
	members := []modeltest.Member{}
	for _, m := range []string{"a", "b", "c", "y", "z"} {
		members = append(members, modeltest.Member{ID: m, Joined: "2023-01-01 00:00:00"})
	}
	modeltest.ForEachEngine(t, modeltest.Fixture{Members: members, Events: events}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.Run(t, conn, modeltest.Must(New(DefaultParams())), "2024-03-31", time.UTC)
		// a, b, c: 3 + 2 + 2 + 1 session = 8, score 100 (5 of 5 at or below),
		// 2 of 5 lower -> 40. y: login 1 + session 1 = 2, score 40 (y, z at or
		// below), 1 of 5 lower -> 20. z: 0.
		want := [][]string{
			{"a", "1", "1", "30", "8", "100", "40", "0"},
			{"b", "1", "1", "30", "8", "100", "40", "0"},
			{"c", "1", "1", "30", "8", "100", "40", "0"},
			{"y", "0", "0", "0", "2", "40", "20", "0"},
			{"z", "0", "0", "0", "0", "0", "0", "0"},
		}
		got := chtest.Rows(t, conn, `SELECT member_id, toString(shares_90d), toString(checkins_90d), toString(points_redeemed_90d),
		toString(weighted_90d), toString(round(score, 4)), toString(score_percentile), toString(engaged_low_spend)
		FROM engagement ORDER BY member_id`)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("engagement:\n got %v\nwant %v", got, want)
		}
	})
}

// TestEngagementPercentileScoreIntegration: the score is a percentile
// (100 x members with a weighted sum at or below the member's / members;
// 0 without weighted events), so one outlier does not rescale everyone,
// and points_earned events (which mirror orders) count neither as events
// nor as session days. On main c's 100 logins put a at 1.98 and b at 3.96,
// and pe's points events scored 6.
func TestEngagementPercentileScoreIntegration(t *testing.T) {
	t.Parallel()
	events := []modeltest.Event{
		{Member: "a", At: "2024-03-10 10:00:00", Typ: "login", Value: 0},
		{Member: "b", At: "2024-03-10 10:00:00", Typ: "login", Value: 0}, {Member: "b", At: "2024-03-11 10:00:00", Typ: "login", Value: 0},
		{Member: "pe", At: "2024-03-05 10:00:00", Typ: "points_earned", Value: 10}, {Member: "pe", At: "2024-03-06 10:00:00", Typ: "points_earned", Value: 10},
		{Member: "pe", At: "2024-03-07 10:00:00", Typ: "points_earned", Value: 10},
	}
	for i := 0; i < 100; i++ {
		events = append(events, modeltest.Event{Member: "c", At: fmt.Sprintf("2024-03-12 10:%02d:%02d", i/60, i%60), Typ: "login", Value: 0})
	}
	var members []modeltest.Member
	for _, m := range []string{"a", "b", "c", "pe", "z"} {
		members = append(members, modeltest.Member{ID: m, Joined: "2023-01-01 00:00:00"})
	}
	modeltest.ForEachEngine(t, modeltest.Fixture{Members: members, Events: events}, func(t *testing.T, conn warehouse.Conn) {
		modeltest.Run(t, conn, modeltest.Must(New(DefaultParams())), "2024-03-31", time.UTC)
		// weighted (login 1 + session day 1): a 2, b 4, c 101, pe 0, z 0.
		// score: a {z, pe, a} 3/5 = 60, b 80, c 100, pe and z 0.
		// percentile (strictly lower): a 40, b 60, c 80, pe 0, z 0.
		want := [][]string{
			{"a", "1", "2", "60", "40"},
			{"b", "2", "4", "80", "60"},
			{"c", "1", "101", "100", "80"},
			{"pe", "0", "0", "0", "0"},
			{"z", "0", "0", "0", "0"},
		}
		got := chtest.Rows(t, conn, `SELECT member_id, toString(sessions_90d), toString(weighted_90d), toString(round(score, 4)),
		toString(score_percentile) FROM engagement ORDER BY member_id`)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("engagement:\n got %v\nwant %v", got, want)
		}
		if got := chtest.QueryUint(t, conn, "SELECT toUInt64(points_earned_90d) FROM engagement WHERE member_id = 'pe'"); got != 30 {
			t.Errorf("points_earned_90d = %d, want 30 (still reported)", got)
		}
	})
}
