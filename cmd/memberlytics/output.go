package main

import (
	"encoding/json"
	"fmt"
	"github.com/memberlytics/memberlytics/internal/platform/asof"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/memberlytics/memberlytics/jobs"
)

// printJSON writes v as indented JSON: what every --json flag prints. A
// list is a JSON array, one thing an object; runs have the shape of the
// HTTP API's (/api/runs).
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// seconds formats a duration as seconds to 0.01 s, e.g. 0.09.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

// errorHead is s up to its first newline, with a pointer to the rest.
func errorHead(s, runID string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " [more: memberlytics runs show " + runID + "]"
	}
	return s
}

// printRuns writes a table of runs. full prints each error whole (on one
// line) and the checks that did not pass under the table; otherwise the
// error's first line. Errors are never cut short.
func printRuns(w io.Writer, runs []jobs.Run, full bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tAS_OF\tSTATUS\tTRIGGER\tATTEMPTS\tSECONDS\tROWS_IN\tROWS_OUT\tSTARTED\tRUN_ID\tERROR")
	for _, r := range runs {
		secs := "-"
		if !r.FinishedAt.IsZero() {
			secs = seconds(r.Duration())
		}
		msg := strings.ReplaceAll(r.Error, "\n", " ")
		if !full {
			msg = errorHead(r.Error, r.RunID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%s\t%s\t%s\n", r.Job, r.AsOf.Format(asof.Layout), r.Status, r.Trigger,
			r.Attempt, secs, r.RowsIn, r.RowsOut, r.StartedAt.Format("2006-01-02 15:04:05"), r.RunID, msg)
	}
	_ = tw.Flush()
	if !full {
		return
	}
	for _, r := range runs {
		for _, c := range r.Checks {
			if c.Status != jobs.CheckPass {
				fmt.Fprintf(w, "check %s: %s (%s)\n", c.Name, c.Status, c.Detail)
			}
		}
	}
}

// printRun writes everything recorded about one run: its fields, the full
// error and every check.
func printRun(w io.Writer, r jobs.Run) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	took := "-"
	if !r.FinishedAt.IsZero() {
		took = seconds(r.Duration()) + " s"
	}
	for _, f := range [][2]string{
		{"run_id", r.RunID}, {"job", r.Job}, {"as_of", r.AsOf.Format(asof.Layout)}, {"status", string(r.Status)},
		{"trigger", string(r.Trigger)}, {"batch_id", r.BatchID}, {"attempts", fmt.Sprint(r.Attempt)},
		{"started", when(r.StartedAt)}, {"finished", when(r.FinishedAt)}, {"duration", took},
		{"rows_in", fmt.Sprint(r.RowsIn)}, {"rows_out", fmt.Sprint(r.RowsOut)}, {"owner", r.Owner}, {"heartbeat", when(r.HeartbeatAt)},
	} {
		fmt.Fprintf(tw, "%s:\t%s\n", f[0], f[1])
	}
	_ = tw.Flush()
	if r.Error != "" {
		fmt.Fprintf(w, "error:\n  %s\n", strings.ReplaceAll(r.Error, "\n", "\n  "))
	}
	if len(r.Checks) == 0 {
		return
	}
	fmt.Fprintln(w, "checks:")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tSTATUS\tSEVERITY\tFAILING\tDETAIL")
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\n", c.Name, c.Status, c.Severity, c.Failing, c.Detail)
	}
	_ = tw.Flush()
}

// statusNames lists the valid run statuses for messages.
func statusNames() string {
	names := make([]string, len(jobs.Statuses))
	for i, s := range jobs.Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
