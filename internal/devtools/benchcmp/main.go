// Command benchcmp prints the summary table of `make bench`: every ratio a
// benchmark script recorded in this run, with the load average it was
// measured under, beside the figure committed in docs/benchmarks.md, and
// calls out a regression of more than 20%.
//
// The scripts append lines "name scale value better load" to the file
// named by BENCH_RATIOS (scripts/lib.sh, bench_ratio). The committed
// figures are the fenced block of info string bench-ratios in
// docs/benchmarks.md, lines "name scale value better". A figure is
// compared only with a committed one of the same name and scale.
//
// Usage: go run ./internal/devtools/benchcmp -committed docs/benchmarks.md -run FILE [-strict]
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// threshold is how much worse than the committed figure a ratio may be
// before it is called a regression.
const threshold = 0.20

// figure is one ratio: its name, the BENCH_SCALE it was measured at,
// its value, whether higher or lower is better, and (for a run) the
// 1-minute load average beside it.
type figure struct {
	name   string
	scale  string
	value  float64
	higher bool
	load   string
}

func (f figure) key() string { return f.name + "@" + f.scale }

// parseLine reads "name scale value better [load]".
func parseLine(line string, withLoad bool) (figure, error) {
	fs := strings.Fields(line)
	want := 4
	if withLoad {
		want = 5
	}
	if len(fs) != want {
		return figure{}, fmt.Errorf("%d fields, want %d (name scale value better%s)", len(fs), want, map[bool]string{true: " load"}[withLoad])
	}
	v, err := strconv.ParseFloat(fs[2], 64)
	if err != nil {
		return figure{}, fmt.Errorf("value %q: %w", fs[2], err)
	}
	if _, err := strconv.ParseFloat(fs[1], 64); err != nil {
		return figure{}, fmt.Errorf("scale %q: %w", fs[1], err)
	}
	f := figure{name: fs[0], scale: fs[1], value: v}
	switch fs[3] {
	case "higher":
		f.higher = true
	case "lower":
	default:
		return figure{}, fmt.Errorf("better is %q, want higher or lower", fs[3])
	}
	if withLoad {
		f.load = fs[4]
	}
	return f, nil
}

// parseCommitted reads the bench-ratios block of a markdown document.
func parseCommitted(r io.Reader) (map[string]figure, error) {
	sc := bufio.NewScanner(r)
	out := map[string]figure{}
	in, found := false, false
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case !in && line == "```bench-ratios":
			in, found = true, true
		case in && strings.HasPrefix(line, "```"):
			in = false
		case in && line != "" && !strings.HasPrefix(line, "#"):
			f, err := parseLine(line, false)
			if err != nil {
				return nil, fmt.Errorf("committed figures, line %d: %w", n, err)
			}
			if _, dup := out[f.key()]; dup {
				return nil, fmt.Errorf("committed figures, line %d: %s at scale %s twice", n, f.name, f.scale)
			}
			out[f.key()] = f
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read committed figures: %w", err)
	}
	if !found {
		return nil, errors.New("committed figures: no ```bench-ratios block")
	}
	if in {
		return nil, errors.New("committed figures: bench-ratios block not closed")
	}
	return out, nil
}

// parseRun reads the figures the scripts recorded, in order.
func parseRun(r io.Reader) ([]figure, error) {
	sc := bufio.NewScanner(r)
	var out []figure
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f, err := parseLine(line, true)
		if err != nil {
			return nil, fmt.Errorf("run figures, line %d: %w", n, err)
		}
		out = append(out, f)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read run figures: %w", err)
	}
	return out, nil
}

// row is one line of the summary.
type row struct {
	run       figure
	committed *figure
	// change is how much worse (positive) or better (negative) the run's
	// ratio is than the committed one, as a fraction of it.
	change     float64
	regression bool
}

// compare pairs every run figure with its committed one. Committed
// figures at the run's scales that the run did not measure are returned
// as missing.
func compare(committed map[string]figure, run []figure) (rows []row, missing []figure) {
	seen := map[string]bool{}
	scales := map[string]bool{}
	for _, f := range run {
		scales[f.scale] = true
		r := row{run: f}
		if c, ok := committed[f.key()]; ok {
			seen[f.key()] = true
			r.committed = &c
			if c.value != 0 {
				r.change = (c.value - f.value) / c.value
				if !c.higher {
					r.change = -r.change
				}
				r.regression = r.change > threshold
			}
		}
		rows = append(rows, r)
	}
	for k, c := range committed {
		if scales[c.scale] && !seen[k] {
			missing = append(missing, c)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].key() < missing[j].key() })
	return rows, missing
}

// write prints the summary table (gain: how much better than the
// committed figure, negative when worse) and the regressions; it returns
// how many regressions there were.
func write(w io.Writer, rows []row, missing []figure) int {
	fmt.Fprintf(w, "%-34s %6s %9s %7s %10s %8s %8s\n", "ratio", "scale", "this run", "better", "committed", "gain", "load avg")
	var regs []row
	for _, r := range rows {
		better := "lower"
		if r.run.higher {
			better = "higher"
		}
		committed, change, mark := "-", "-", ""
		if r.committed != nil {
			committed = strconv.FormatFloat(r.committed.value, 'f', -1, 64)
			change = fmt.Sprintf("%+.0f%%", -100*r.change)
			if r.regression {
				mark = "  REGRESSION"
				regs = append(regs, r)
			}
		}
		fmt.Fprintf(w, "%-34s %6s %9.3g %7s %10s %8s %8s%s\n", r.run.name, r.run.scale, r.run.value, better, committed, change, r.run.load, mark)
	}
	for _, m := range missing {
		fmt.Fprintf(w, "not measured in this run: %s (scale %s, committed %g)\n", m.name, m.scale, m.value)
	}
	if len(regs) == 0 {
		fmt.Fprintf(w, "no ratio more than %.0f%% worse than docs/benchmarks.md\n", 100*threshold)
		return 0
	}
	fmt.Fprintf(w, "%d ratio(s) more than %.0f%% worse than docs/benchmarks.md:\n", len(regs), 100*threshold)
	for _, r := range regs {
		fmt.Fprintf(w, "  REGRESSION %s: %g, committed %g (%.0f%% worse; load average %s)\n", r.run.name, r.run.value, r.committed.value, 100*r.change, r.run.load)
	}
	return len(regs)
}

func main() {
	committedPath := flag.String("committed", "docs/benchmarks.md", "markdown file with the committed bench-ratios block")
	runPath := flag.String("run", "", "file of this run's figures (BENCH_RATIOS)")
	strict := flag.Bool("strict", false, "exit 1 when a ratio regressed")
	flag.Parse()
	if err := run(*committedPath, *runPath, *strict, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(1)
	}
}

func run(committedPath, runPath string, strict bool, w io.Writer) error {
	cf, err := os.Open(committedPath)
	if err != nil {
		return err
	}
	defer cf.Close()
	committed, err := parseCommitted(cf)
	if err != nil {
		return fmt.Errorf("%s: %w", committedPath, err)
	}
	rf, err := os.Open(runPath)
	if err != nil {
		return err
	}
	defer rf.Close()
	figs, err := parseRun(rf)
	if err != nil {
		return fmt.Errorf("%s: %w", runPath, err)
	}
	rows, missing := compare(committed, figs)
	if n := write(w, rows, missing); n > 0 && strict {
		return fmt.Errorf("%d regression(s)", n)
	}
	return nil
}
