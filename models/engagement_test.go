package models

import (
	"reflect"
	"testing"
	"time"

	"github.com/memberlytics/memberlytics/internal/chtest"
	"github.com/memberlytics/memberlytics/internal/warehouse"
)

func TestEngagementIntegration(t *testing.T) {
	t.Parallel()
	forEachEngine(t, fixture{
		members: []fxMember{{"p", "2023-01-01 00:00:00"}, {"q", "2023-01-01 00:00:00"}, {"r", "2023-01-01 00:00:00"},
			{"s", "2023-01-01 00:00:00"}, {"late", "2024-04-05 00:00:00"}},
		orders: []fxOrder{{"q", "2024-02-01 10:00:00", 50, ""}, {"r", "2024-03-01 10:00:00", 1000, ""},
			{"p", "2024-03-01 10:00:00", 400, "refunded"}},
		events: []fxEvent{
			{"p", "2024-03-31 23:59:59", "login", 0}, {"p", "2024-03-31 10:00:00", "login", 0},
			{"p", "2024-02-01 10:00:00", "campaign_click", 0}, {"p", "2024-03-15 10:00:00", "referral", 0},
			{"p", "2024-03-20 10:00:00", "points_earned", 50},
			{"p", "2024-01-01 10:00:00", "nps_survey", 9}, // before the 90 days; still the latest NPS
			{"q", "2024-01-02 00:00:00", "login", 0},      // first second of the 90 days
			{"q", "2024-03-05 10:00:00", "review", 0},
			{"q", "2024-04-01 00:00:00", "login", 0}, // after as_of
			{"s", "2024-03-30 10:00:00", "campaign_open", 0}, {"s", "2024-03-30 11:00:00", "campaign_open", 0},
			{"late", "2024-04-06 10:00:00", "login", 0},
		},
	}, func(t *testing.T, conn warehouse.Conn) {
		runModel(t, conn, NewEngagement(defaults().Engagement), "2024-03-31", time.UTC)
		// By hand, default weights (login 1, session 1, open 1, click 2, review 4,
		// referral 8, points_earned 1 per event):
		// p: logins 2, sessions 30d {03-15, 03-20, 03-31} = 3, 90d + 02-01 = 4;
		//    weighted 2 + 4 + 2 + 8 + 1 = 17 -> score 100; 3 of 4 below -> 75
		// q: login 1 (90d only), review 1, sessions 1 / 2; weighted 1 + 2 + 4 = 7
		// s: opens 2, sessions 1; weighted 2 + 1 = 3;  r: 0
		// spend: p 0 (refund only), s 0, q 50, r 1000 -> bottom half: p, s
		want := [][]string{
			{"p", "2", "2", "3", "4", "1", "1", "50", "0", "9", "17", "100", "75", "0", "1"},
			{"q", "0", "1", "1", "2", "0", "0", "0", "0", "\\N", "7", "41.1765", "50", "50", "0"},
			{"r", "0", "0", "0", "0", "0", "0", "0", "0", "\\N", "0", "0", "0", "1000", "0"},
			{"s", "0", "0", "1", "1", "0", "0", "0", "0", "\\N", "3", "17.6471", "25", "0", "0"},
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
	var events []fxEvent
	for _, m := range []string{"a", "b", "c"} {
		events = append(events, fxEvent{m, "2024-03-10 09:00:00", "share", 0}, fxEvent{m, "2024-03-10 10:00:00", "checkin", 0},
			fxEvent{m, "2024-03-10 11:00:00", "points_redeemed", 30})
	}
	events = append(events, fxEvent{"y", "2024-03-10 09:00:00", "login", 0})
	members := []fxMember{}
	for _, m := range []string{"a", "b", "c", "y", "z"} {
		members = append(members, fxMember{m, "2023-01-01 00:00:00"})
	}
	forEachEngine(t, fixture{members: members, events: events}, func(t *testing.T, conn warehouse.Conn) {
		runModel(t, conn, NewEngagement(defaults().Engagement), "2024-03-31", time.UTC)
		// a, b, c: 3 + 2 + 2 + 1 session = 8, score 100, 2 of 5 lower -> 40.
		// y: login 1 + session 1 = 2, score 25, 1 of 5 lower -> 20. z: 0.
		want := [][]string{
			{"a", "1", "1", "30", "8", "100", "40", "0"},
			{"b", "1", "1", "30", "8", "100", "40", "0"},
			{"c", "1", "1", "30", "8", "100", "40", "0"},
			{"y", "0", "0", "0", "2", "25", "20", "0"},
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
