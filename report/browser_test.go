package report

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/memberlytics/memberlytics/internal/testkit/chtest"
)

// The end-to-end tests drive a real headless Chromium (Debian's chromium
// package) over the DevTools protocol with chromedp, which sees what a
// --dump-dom run cannot: console messages, uncaught exceptions, browser log
// entries (failed loads, CSP) and every network request.

// chromiumInstall is the line CI and setup need.
const chromiumInstall = "apt-get install -y --no-install-recommends chromium fonts-noto-cjk"

// chromiumPath finds the browser (MEMBERLYTICS_CHROMIUM, else chromium or
// chromium-browser on PATH). Missing, it skips the test, or fails it when
// CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MEMBERLYTICS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if chtest.Required() {
		t.Fatalf("chromium not found: install it with %q or set MEMBERLYTICS_CHROMIUM", chromiumInstall)
	}
	t.Skipf("skipping: chromium not found (%s; set CI=true or MEMBERLYTICS_REQUIRE_CLICKHOUSE=1 to make this a failure)", chromiumInstall)
	return ""
}

// chartProbe is what the page reports about one chart.
type chartProbe struct {
	Name   string  `json:"name"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Marks  int     `json:"marks"`
}

// pageProbe is what the browser saw of one page.
type pageProbe struct {
	Title    string       `json:"title"`
	Charts   []chartProbe `json:"charts"`
	Notices  []string     `json:"notices"`
	Problems []string     `json:"-"`
	Requests []string     `json:"-"`
}

const probeJS = `(() => ({
  title: document.title,
  charts: Array.from(document.querySelectorAll('svg.chart')).map(s => {
    const r = s.getBoundingClientRect();
    return {name: s.dataset.chart, width: r.width, height: r.height,
            marks: s.querySelectorAll('rect.mark, rect.cell, rect.node, path.band, circle.mark, polyline.series').length};
  }),
  notices: Array.from(document.querySelectorAll('.notice')).map(n => n.textContent.trim()),
}))()`

// browser is one headless Chromium for a test.
type browser struct {
	ctx context.Context
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	profile, err := os.MkdirTemp("", "memberlytics-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// chromedp's defaults switch off renderer backgrounding and timer
	// throttling: without them a busy machine (CI beside other tests) left
	// a tab unpainted and Page.captureScreenshot waited for minutes.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1300, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// Generous: the test machines are shared and often busy.
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		// Chromium's helper processes can still write to the profile for
		// a moment after the browser exits (t.TempDir's cleanup failed
		// with "directory not empty" on a busy machine): retry briefly.
		var err error
		for i := 0; i < 50; i++ {
			if err = os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("chromium profile %s left behind: %v", profile, err)
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return &browser{ctx: ctx}
}

// open loads url in a new tab, waits for it, probes it and writes a
// full-page PNG screenshot to testdata/out/shot.
func (b *browser) open(t *testing.T, url, shot string) pageProbe {
	t.Helper()
	return b.openWith(t, url, shot, nil)
}

// openWith is open, then calls then with the tab (to click and capture
// more) before the tab closes.
func (b *browser) openWith(t *testing.T, url, shot string, then func(t *testing.T, ctx context.Context)) pageProbe {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	defer cancel()
	var mu sync.Mutex
	var p pageProbe
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning || e.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p.Problems = append(p.Problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			p.Problems = append(p.Problems, "exception: "+e.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.LevelError || e.Entry.Level == cdplog.LevelWarning {
				p.Problems = append(p.Problems, fmt.Sprintf("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			p.Requests = append(p.Requests, e.Request.URL)
		}
	})
	var png []byte
	var got pageProbe
	err := chromedp.Run(ctx,
		chromedp.Navigate(url),
		chromedp.WaitReady("body", chromedp.ByQuery),
		chromedp.Evaluate(probeJS, &got),
	)
	if err != nil {
		t.Fatalf("load %s in chromium: %v", url, err)
	}
	png, err = screenshot(ctx)
	if err != nil {
		t.Fatalf("screenshot of %s: %v", url, err)
	}
	writeShot(t, shot, png)
	if then != nil {
		then(t, ctx)
	}
	// Give late console or log events a moment to arrive.
	_ = chromedp.Run(ctx, chromedp.ActionFunc(func(context.Context) error { time.Sleep(200 * time.Millisecond); return nil }))
	mu.Lock()
	defer mu.Unlock()
	got.Problems, got.Requests = p.Problems, p.Requests
	return got
}

// writeShot writes a PNG screenshot to testdata/out/name.
func writeShot(t *testing.T, name string, png []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", name, len(png))
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// explainJS reports the explaining parts of a page: the CSV links (their
// href prefix), the definitions boxes, the axis titles, and which filter
// panels are shown.
const explainJS = `(() => ({
  csv: Array.from(document.querySelectorAll('a[download]')).map(a => {
    const h = a.getAttribute('href'), p = 'data:text/csv;charset=utf-8,';
    return h.startsWith(p) ? a.download + ': ' + decodeURIComponent(h.slice(p.length)).split('\r\n')[0].split('\n')[0] : 'not a CSV URI: ' + h.slice(0, 40);
  }),
  defs: document.querySelectorAll('details.defs dt').length,
  axisTitles: document.querySelectorAll('svg .axis-title').length,
  shown: Array.from(document.querySelectorAll('.fpanel')).filter(p => getComputedStyle(p).display !== 'none').map(p => p.dataset.filter),
}))()`

// explainProbe is what explainJS returns.
type explainProbe struct {
	CSV        []string `json:"csv"`
	Defs       int      `json:"defs"`
	AxisTitles int      `json:"axisTitles"`
	Shown      []string `json:"shown"`
}

// checkExplained asserts the page's CSV links, definitions and axis
// titles, and that the offline filter shows one panel, then another after
// a click on its label, with a screenshot of each state.
func checkExplained(t *testing.T, ctx context.Context, shot string) {
	t.Helper()
	var before, after explainProbe
	if err := chromedp.Run(ctx, chromedp.Evaluate(explainJS, &before)); err != nil {
		t.Fatalf("probe the page: %v", err)
	}
	// The tables of the report's own blocks and of the fixture's model
	// sections: rfm, cohorts, clv, lifecycle, engagement, trends, filters.
	if len(before.CSV) < 7 {
		t.Errorf("%d CSV links, want one per table (at least 7)", len(before.CSV))
	}
	// Each link decodes in the browser to a CSV whose first line is its
	// table's header, after the UTF-8 byte order mark.
	for _, h := range before.CSV {
		if !strings.Contains(h, ".csv: \ufeff") || strings.Count(h, ",") < 1 {
			t.Errorf("CSV link %q does not decode to a header line", h)
		}
	}
	if before.Defs < 20 || before.AxisTitles < 2*len(fixtureCharts) {
		t.Errorf("%d definitions and %d axis titles: the page does not explain itself", before.Defs, before.AxisTitles)
	}
	if strings.Join(before.Shown, ",") != "filters-all" {
		t.Errorf("filter panels shown on opening = %v, want [filters-all]", before.Shown)
	}
	err := chromedp.Run(ctx,
		chromedp.ScrollIntoView(`#filters`, chromedp.ByQuery),
		chromedp.Click(`label[for="filters-region-1"]`, chromedp.ByQuery),
		chromedp.Evaluate(explainJS, &after),
	)
	if err != nil {
		t.Fatalf("choose a region: %v", err)
	}
	if strings.Join(after.Shown, ",") != "filters-region-1" {
		t.Errorf("filter panels shown after choosing the first region = %v, want [filters-region-1]", after.Shown)
	}
	png, err := screenshot(ctx)
	if err != nil {
		t.Fatalf("screenshot after filtering: %v", err)
	}
	writeShot(t, shot, png)
}

// screenshot captures the full page. Headless Chromium composites no frame
// for a tab that is not in front, and Page.captureScreenshot then waits
// for one until the deadline (CI failed that way on the third tab of a
// browser, on a busy 2-core machine): the tab is brought to the front
// first. Should the compositor still have gone idle, a short screencast
// wakes it and the capture is tried once more.
func screenshot(ctx context.Context) ([]byte, error) {
	var png []byte
	capture := func(limit time.Duration) error {
		cctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		return chromedp.Run(cctx, cdppage.BringToFront(), chromedp.FullScreenshot(&png, 100))
	}
	err := capture(60 * time.Second)
	if err == nil || ctx.Err() != nil {
		return png, err
	}
	first := err
	wake := chromedp.ActionFunc(func(ctx context.Context) error {
		if err := cdppage.StartScreencast().WithFormat(cdppage.ScreencastFormatJpeg).WithQuality(10).Do(ctx); err != nil {
			return err
		}
		time.Sleep(250 * time.Millisecond)
		return cdppage.StopScreencast().Do(ctx)
	})
	if err := chromedp.Run(ctx, cdppage.BringToFront(), wake); err != nil {
		return nil, fmt.Errorf("%v; waking the compositor: %v", first, err)
	}
	if err := capture(60 * time.Second); err != nil {
		return nil, fmt.Errorf("%v; once more after waking the compositor: %v", first, err)
	}
	return png, nil
}

// checkCharts asserts that the page has exactly the want charts, each
// drawn with a size and marks.
func checkCharts(t *testing.T, p pageProbe, want []string) {
	t.Helper()
	var names []string
	for _, c := range p.Charts {
		names = append(names, c.Name)
		if c.Width < 50 || c.Height < 50 || c.Marks == 0 {
			t.Errorf("chart %s is empty: %.0fx%.0f px, %d marks", c.Name, c.Width, c.Height, c.Marks)
		}
	}
	sort.Strings(names)
	w := append([]string(nil), want...)
	sort.Strings(w)
	if strings.Join(names, ",") != strings.Join(w, ",") {
		t.Errorf("charts on the page = %v\nwant %v", names, w)
	}
}

func checkClean(t *testing.T, p pageProbe, allowed func(string) bool) {
	t.Helper()
	for _, pr := range p.Problems {
		t.Errorf("browser reported: %s", pr)
	}
	for _, u := range p.Requests {
		if !allowed(u) {
			t.Errorf("page fetched %s: the report must be self-contained", u)
		}
	}
}

func TestReportInChromiumIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true)
	br := newBrowser(t) // after the fixture: its deadline is for the browser's work
	ctx := context.Background()
	r, err := Load(ctx, f.conn, day2, sectionsForTest...)
	if err != nil {
		t.Fatal(err)
	}
	// The file goes through a static file server, byte for byte: chromedp
	// waits for navigation events that file:// URLs do not always send.
	dir := t.TempDir()
	files := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer files.Close()
	for _, l := range Langs {
		t.Run("file_"+string(l), func(t *testing.T) {
			var b bytes.Buffer
			if err := Render(&b, r, Options{Lang: l, Currency: "¥"}); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, "report_"+string(l)+".html")
			if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			url := files.URL + "/" + filepath.Base(file)
			p := br.openWith(t, url, "report_"+string(l)+".png", func(t *testing.T, ctx context.Context) {
				checkExplained(t, ctx, "report_"+string(l)+"_filter_region.png")
			})
			checkClean(t, p, func(u string) bool { return u == url })
			checkCharts(t, p, fixtureCharts)
			if want := map[Lang]string{English: "Membership report", Chinese: "会员分析报告"}[l]; p.Title != want {
				t.Errorf("title = %q, want %q", p.Title, want)
			}
			if len(p.Notices) > 0 {
				t.Errorf("full report shows notices: %v", p.Notices)
			}
		})
	}
	t.Run("served", func(t *testing.T) {
		publishSnapshots(t, f.conn, day1, day2)
		srv := httptest.NewServer(NewHandler(f.conn, HandlerOptions{Options: Options{Currency: "¥"}, Logger: testLogger(t), Sections: sectionsForTest}))
		defer srv.Close()
		local := func(u string) bool { return strings.HasPrefix(u, srv.URL+"/") }
		p := br.open(t, srv.URL+"/", "served_report.png")
		if p.Title != "Membership report" {
			t.Errorf("served report title = %q (an error page?)", p.Title)
		}
		checkClean(t, p, local)
		checkCharts(t, p, fixtureCharts)
		p = br.open(t, srv.URL+"/runs?lang=zh", "served_runs_zh.png")
		checkClean(t, p, local)
		if p.Title != "任务运行" {
			t.Errorf("runs page title = %q", p.Title)
		}
	})
}

func TestMissingModelsInChromiumIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t, true, "churn", "lifecycle", "clv", "model_metrics")
	br := newBrowser(t)
	srv := httptest.NewServer(NewHandler(f.conn, HandlerOptions{Logger: testLogger(t)}))
	defer srv.Close()
	// tiers and cohorts exist but have no rows for day2.
	p := br.open(t, srv.URL+"/?as_of=2026-11-20", "served_missing.png")
	checkClean(t, p, func(u string) bool { return strings.HasPrefix(u, srv.URL+"/") })
	checkCharts(t, p, []string{
		"trend_members", "trend_active", "trend_churn_rate", "trend_reactivation", "trend_buyers", "trend_arpu", "trend_repurchase", "trend_avg_clv", "trend_predicted_churn"})
	text := strings.Join(p.Notices, "\n")
	for _, want := range []string{"model member_profile has no rows for 2026-11-20 in table member_profile"} {
		if !strings.Contains(text, want) {
			t.Errorf("notices lack %q:\n%s", want, text)
		}
	}
}

// testLogger sends the handler's log to the test log, so a failed page
// says why.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// fixtureCharts are the charts of the fixture's full report: chartNames,
// a trend for every headline figure, and the charts of the model sections
// whose tables the fixture fills (the others are tested in their folders).
var fixtureCharts = append(append([]string(nil), chartNames...),
	"trend_active", "trend_churn_rate", "trend_reactivation", "trend_buyers", "trend_avg_clv", "trend_predicted_churn",
	// The fixture's model sections (models_sections_test.go).
	"rfm_members", "rfm_revenue", "cohort_retention", "cohort_revenue", "cohort_curve", "clv_histogram", "clv_deciles",
	"churn_bands", "churn_histogram", "churn_calibration", "churn_lift", "tier_distribution", "tier_migration", "lifecycle_flow", "potential_reasons",
	"engagement_scores", "engagement_events")
