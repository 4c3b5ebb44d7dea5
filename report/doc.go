// Package report turns the model output tables of one as_of into a single
// self-contained HTML page, labelled in English or Simplified Chinese.
// report itself draws the headline KPIs, the trends and the filters, which
// read across models; every model draws its own section from its folder
// (models/<name>/report.go, a Section built with NewSection).
//
// Load reads ClickHouse (the as_of, the previous as_of, and earlier ones
// for the trends) with the sections it is given; Render writes the page;
// Handler serves it at / and the job runs at /runs. A model whose table,
// columns or partition is missing does not fail the report: its section
// shows a notice naming the model and table.
//
// Charts are SVG drawn on the server in Go (svg.go): the page needs no
// JavaScript, no fonts and no network, and it prints and mails as is.
package report
