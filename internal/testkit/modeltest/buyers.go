package modeltest

// Buyers is the rfm tests' hand-built data, which the member_profile
// tests share. As_of 2024-03-31 (UTC), window 365 days = [2023-04-01, 2024-04-01),
// trend periods [2024-01-02, 2024-04-01) and [2023-10-04, 2024-01-02).
var Buyers = Fixture{
	Members: []Member{
		{ID: "a", Joined: "2023-01-01 00:00:00"}, {ID: "b", Joined: "2023-01-01 00:00:00"}, {ID: "c", Joined: "2023-01-01 00:00:00"},
		{ID: "d", Joined: "2023-01-01 00:00:00"}, {ID: "e", Joined: "2023-01-01 00:00:00"}, {ID: "f", Joined: "2024-04-02 10:00:00"},
		{ID: "g", Joined: "2023-01-01 00:00:00"}, {ID: "h", Joined: "2023-01-01 00:00:00"},
	},
	Orders: []Order{
		{Member: "a", At: "2024-01-10 12:00:00", Amount: 50},
		{Member: "a", At: "2024-03-31 23:59:59", Amount: 100}, // the last second of as_of: counts
		{Member: "b", At: "2024-03-01 09:00:00", Amount: 200},
		{Member: "c", At: "2024-03-01 18:00:00", Amount: 200}, // ties b on every value
		{Member: "d", At: "2023-01-15 10:00:00", Amount: 30},  // before the window: frequency 0
		{Member: "e", At: "2024-03-20 10:00:00", Amount: 80, Status: "refunded"},
		{Member: "e", At: "2024-03-21 10:00:00", Amount: 90, Status: "cancelled"}, // only refunds: no rfm row
		{Member: "f", At: "2024-04-02 11:00:00", Amount: 70},                      // joined after as_of
		{Member: "g", At: "2024-02-15 10:00:00", Amount: 60},
		{Member: "g", At: "2024-04-01 00:00:00", Amount: 500}, // first second after as_of: ignored
		{Member: "h", At: "2023-12-01 10:00:00", Amount: 40},
		{Member: "h", At: "2024-03-10 10:00:00", Amount: 60},
	},
}
