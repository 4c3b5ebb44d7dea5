// Package report turns the model output tables of one as_of into a single
// self-contained HTML page: headline KPIs with the change from the previous
// as_of, RFM, cohorts, CLV, churn, tiers, lifecycle, high-potential
// members, engagement, KPI trends and offline filters, labelled in English
// or Simplified Chinese; every section explains itself (explain.go).
//
// Load reads ClickHouse (model output tables only: the as_of, the previous
// as_of, and every earlier as_of for the trends); Render writes the page; Handler serves it at / and the
// job runs at /runs. A model whose table, columns or as_of partition is
// missing does not fail the report: its section shows a notice naming the
// model and table.
//
// Charts are SVG drawn on the server in Go (svg.go): the page needs no
// JavaScript, no fonts and no network, and it prints and mails as is.
package report
