package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/url"
	"strings"
)

// The parts of a section that explain it, shared by every section: a
// definitions box (def), axis titles (Bars.XTitle/YTitle, HeatMap
// RowTitle/ColTitle, FlowChart FromTitle/ToTitle), a CSV download per
// table (set by Render for every table) and offline filters (filter).

// Def is one entry of a section's definitions box: a term and what it
// means in this report, with the window, horizon or currency the model
// used for the as_of.
type Def struct{ Term, Value string }

// csvBOM starts every CSV so that spreadsheet programs read it as UTF-8
// (Chinese labels, currency symbols).
const csvBOM = "\ufeff"

// tableCSV writes the table's header and rows as CSV, the cells as the
// page shows them. Writing to memory cannot fail.
func tableCSV(t Table) string {
	var b bytes.Buffer
	b.WriteString(csvBOM)
	w := csv.NewWriter(&b)
	_ = w.Write(t.Head)
	_ = w.WriteAll(t.Rows)
	return b.String()
}

// csvURI returns data as a data: URI of type text/csv, percent-encoded so
// that it survives in an href attribute.
func csvURI(data string) string {
	return "data:text/csv;charset=utf-8," + strings.ReplaceAll(url.QueryEscape(data), "+", "%20")
}

// withDownloads gives every table of the sections a CSV download named
// after its section: ID.csv, or ID_2.csv, ... for a section's later
// tables. A table's File, when set, names it instead.
func withDownloads(ss []Block) {
	for i := range ss {
		for j := range ss[i].Tables {
			t := &ss[i].Tables[j]
			if t.File == "" {
				t.File = ss[i].ID + ".csv"
				if j > 0 {
					t.File = fmt.Sprintf("%s_%d.csv", ss[i].ID, j+1)
				}
			}
			// Safe as a URL: built here from the table's cells, percent-encoded.
			t.CSV = template.URL(csvURI(tableCSV(*t)))
		}
	}
}

// filter is a set of precomputed views of a section, one per value of
// one or more dimensions (region, channel, tier), chosen offline with
// radio buttons and CSS alone: choosing an option shows its panel. A
// section adopts it by setting section.Filter.
type filter struct {
	// Name is the radio group's name, unique in the page.
	Name string
	// Groups are shown one per line; the first option of the first group
	// is chosen when the page opens.
	Groups []filterGroup
}

// filterGroup is one dimension's options.
type filterGroup struct {
	Title   string
	Options []filterOption
}

// filterOption is one value of a dimension and its precomputed figures.
type filterOption struct {
	// ID is the radio input's id, unique in the page.
	ID, Label string
	// Caption heads the option's panel.
	Caption string
	KPIs    []kpiView
	Checked bool
}
