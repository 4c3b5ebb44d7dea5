// Package datagen generates synthetic member, order, event, order item and
// campaign assignment files whose
// behaviour follows known models, plus a truth.json recording every
// parameter, so that memberlytics' loaders and models can be checked
// against a known answer. It is pure Go and never talks to ClickHouse.
//
// Generate(ctx, opts) writes members.<ext>, orders.<ext>, events.<ext>,
// items.<ext>, campaigns.<ext> and truth.json into opts.OutDir, where <ext> is the format: csv, ndjson or
// parquet. Start from DefaultOptions. The output is a function of the
// Options alone: members are generated one at a time from random streams
// seeded by (Seed, member index, purpose), in parallel chunks written in
// member order, so the same options give byte-identical files whatever
// the number of workers, and memory does not grow with the number of
// members (bar a byte each for truth.json's top categories).
//
// # Behaviour
//
//   - Members join over [Start, End), with a join rate growing by the
//     factor JoinGrowth a year (1 = uniform), under the seasonality below.
//   - A share ProspectShare never orders. Every other member buys first
//     when joining or shortly after, then makes repeat purchases by BG/NBD:
//     lambda ~ Gamma(r, rate alpha) per week, p ~ Beta(a, b), Poisson
//     purchases while alive, dropout with probability p after each repeat
//     purchase (never after the first), observed until End.
//   - Each paid order's net amount is Gamma(p, rate nu) with
//     nu ~ Gamma(q, rate v) per member (Gamma-Gamma). The defaults are near
//     the CDNOW fits, with amounts in CNY at ten times the USD scale.
//   - Volume: the defaults give about 1.85 orders and 29 events per member
//     over two years. PurchaseRateScale multiplies every lambda (alpha is
//     divided by it, so the process stays BG/NBD and truth.json records
//     both alphas) and a larger Purchase.B delays dropout; PurchaseRateScale
//     10 with B 19.2 gives about 10 orders per member (the 10M-order
//     benchmark, memberlytics generate --purchase-rate-scale 10
//     --bgnbd-b 19.2). Sessions grow with lambda, so that run uses
//     Events.Scale 0.05 (--events-scale) to stay near 30 events per member.
//   - Seasonality is a time warp (see the calendar type): processes are
//     homogeneous in operational time, whose density against calendar time
//     is weekday x yearly x hour-of-day weights, each with mean 1. The
//     BG/NBD parameters are therefore recoverable exactly in operational
//     time and, since the warp has long-run mean 1, approximately in
//     calendar time.
//   - A member has at most one paid order per UTC day: a repeat purchase on
//     the day of the previous one moves to the next day (counted in
//     truth.json; collisions only where the move would cross End).
//   - Refunded and cancelled orders are extra rows beside the paid ones.
//   - Events follow each member's latent activity (see generator.events).
//   - Order lines (items.go): every order has 1 + Poisson(0.7) lines whose
//     categories come from the member's Dirichlet preference over 40 leaf
//     categories and whose amounts sum exactly to the order's amount.
//   - Campaigns (campaigns.go): C0 (no effect) and C1 each target 30% of
//     the buyers, 90% treatment; a C1 treatment member gets an extra paid
//     order in the 30 days after assignment with probability 0.0325
//     (about +3 points of 30-day conversion). truth.json records the
//     realised effect from the counterfactual and each member's top
//     category.
//
// # Files
//
// Column names are the canonical ones of issue 3, in this order. Times are
// UTC with whole seconds.
//
// members: member_id, joined_at, birthday (may be empty), gender (F, M, U),
// region, channel (store, app, mini_program, web), source_tier (bronze,
// silver, gold, platinum or empty), updated_at.
//
// orders: order_id, member_id, ordered_at, amount (net paid, 2 decimals,
// CNY), discount (2 decimals), items, channel, store_id (S001.. for store
// orders, empty online), status (paid, refunded, cancelled), updated_at.
//
// items: order_id, line_no, sku (SKU + 5 digits), category (a
// level1/level2/level3 path), quantity, amount (net, 2 decimals),
// updated_at (the order's). No member_id: the loader takes it from orders.
//
// campaigns: campaign_id (C0, C1), member_id, group (treatment, control),
// assigned_at, variant (A or B for treatment, empty for control), channel,
// segment, cost (2 decimals; 0 for control).
//
// events: event_id, member_id, event_time, event_type (login, page_view,
// product_view, add_to_cart, campaign_open, campaign_click, review,
// share, referral, checkin, points_earned, points_redeemed, nps_survey,
// points_expired),
// value (float), properties (a JSON object as a string, e.g.
// {"order_id":"O000000001-2"}).
//
// CSV: a header line, comma separated, lines ending in \n, RFC 4180
// quoting (only properties needs it, and is always quoted). Timestamps
// RFC 3339 (2024-03-01T12:34:56Z), dates YYYY-MM-DD, an empty birthday or
// source_tier is an empty field, amounts like 123.45.
//
// NDJSON: one object per line with the columns as keys in order.
// Timestamps and dates are strings as in CSV; amount and discount are
// JSON numbers with 2 decimals, items an integer, value a number,
// properties a string holding JSON; a missing birthday is null, a missing
// source_tier or store_id is "".
//
// Parquet (parquet-go, snappy, row groups of at most 131072 rows): see
// ParquetMember, ParquetOrder and ParquetEvent. Timestamps are INT64
// TIMESTAMP(MILLIS, UTC); birthday is an optional INT32 DATE (null when
// missing); amount and discount are INT64 DECIMAL(18,2); items is INT32;
// value is DOUBLE; strings are STRING (low-cardinality ones dictionary
// encoded); an empty source_tier or store_id is "".
//
// Checked against ClickHouse 18.16's clickhouse-client: orders.csv and
// events.csv load with FORMAT CSVWithNames once
// date_time_input_format=best_effort is set (the basic parser stops at the
// T and Z of RFC 3339); members.csv does not, because 18.16 reads only \N
// as NULL in CSV and an empty birthday is empty. Loaders parse these
// files themselves, so this only matters to client-side comparisons.
//
// Sample output of 5 members (CSV, NDJSON, truth.json and the Parquet
// schemas) is kept under testdata/sample and pinned by a golden test.
//
// # truth.json
//
// See Truth: seed, format, window (calendar and operational length),
// counts (members, prospects, buyers, orders by status, events by type,
// same-day moves), every parameter with units, the normalised seasonality
// and its description, aggregate checks (expected and observed repeat
// buyers, repeat purchases, zero-repeat share and mean repeats over 52
// weeks, mean order value, each with a 4-sigma tolerance where one is
// simple), the category leaves and each member's top leaf (one small
// integer per member, the only per-member truth, so memory grows by a
// byte per member), the campaigns' assignments, natural and incremental
// conversions and effects, and notes on every modelling choice.
package datagen
