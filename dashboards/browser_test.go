package dashboards_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is the system Chromium (Debian's package; .ci/run installs
// it).
const chromiumPath = "/usr/bin/chromium"

// widths are the viewport widths every page must work at.
var widths = []int64{390, 1440}

// browser is a headless Chromium logged in to the dashboards that records
// console errors, exceptions and requests to any other host.
type browser struct {
	ctx  context.Context
	base *url.URL
	mu   sync.Mutex
	bad  []string
}

func newBrowser(t *testing.T, s *stack) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI (.ci/run installs it): %v", err)
		}
		t.Skipf("chromium not installed at %s (apt-get install chromium); skipping browser checks", chromiumPath)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()))
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	base, _ := url.Parse(s.url)
	b := &browser{ctx: ctx, base: base}
	if err := chromedp.Do(ctx); err != nil { // start the browser with no deadline
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, b.watch); err != nil {
		t.Fatalf("listen: %v", err)
	}
	return b
}

// watch records what must not happen on a page.
func (b *browser) watch(ev any) {
	var bad string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			bad = "console error: " + strings.Join(args, " ")
		}
	case *runtime.EventExceptionThrown:
		bad = fmt.Sprintf("exception: %s at %s:%d", ev.ExceptionDetails.Text, ev.ExceptionDetails.URL, ev.ExceptionDetails.LineNumber)
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError {
			bad = "log error: " + ev.Entry.Text + " " + ev.Entry.URL
		}
	case *network.EventRequestWillBeSent:
		u, err := url.Parse(ev.Request.URL)
		if err != nil || (u.Scheme != "data" && u.Scheme != "about" && u.Host != b.base.Host) {
			bad = "request to another host: " + ev.Request.URL
		}
	}
	if bad != "" {
		b.mu.Lock()
		b.bad = append(b.bad, bad)
		b.mu.Unlock()
	}
}

// problems returns and clears what watch recorded.
func (b *browser) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.bad
	b.bad = nil
	return out
}

// login signs in through the form, as a person would.
func (b *browser) login(t *testing.T, token string) {
	t.Helper()
	err := chromedp.Do(b.ctx,
		chromedp.Navigate(b.base.String()+"/dashboards/overview"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Submit(chromedp.ID("token")),
		chromedp.WaitVisible(chromedp.CSS("main .heading h1")))
	path, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil || path != "/dashboards/overview" {
		t.Fatalf("login: %v (at %q)", err, path)
	}
}

// pageCheck is what a loaded page reports about itself.
type pageCheck struct {
	Charts    int  `json:"charts"`
	Panels    int  `json:"panels"`
	Drawn     bool `json:"drawn"`
	Overflows bool `json:"overflows"`
	Labelled  bool `json:"labelled"`
	// Clipped lists chart text (axis titles, tick labels) drawn partly
	// outside its chart; Overlapping, x labels drawn over each other;
	// CutTables, tables reaching past their card or the screen.
	Clipped     []string `json:"clipped"`
	Overlapping []string `json:"overlapping"`
	CutTables   []string `json:"cutTables"`
	WideTables  int      `json:"wideTables"` // tables that scroll sideways in their card
}

const checkJS = `(() => {
  const panels = [...document.querySelectorAll('.panels section.panel')];
  const charts = [...document.querySelectorAll('main svg.chart')];
  return {
    charts: charts.length,
    panels: panels.length,
    drawn: panels.every(p => p.querySelector('svg.chart') !== null),
    overflows: document.documentElement.scrollWidth > window.innerWidth + 1,
    labelled: charts.every(c => c.getAttribute('role') === 'img' && c.querySelector('title') && c.querySelector('desc')),
    clipped: charts.flatMap(c => {
      const box = c.getBoundingClientRect();
      return [...c.querySelectorAll('text')].filter(t => shown(t)).filter(t => {
        const r = t.getBoundingClientRect();
        return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
      }).map(t => c.id + (c.querySelector('title') || {}).textContent + ': ' + t.textContent);
    }),
    overlapping: charts.flatMap(c => {
      const ticks = [...c.querySelectorAll('text.tick.x')].filter(t => shown(t)).map(t => [t.textContent, t.getBoundingClientRect()]);
      const out = [];
      for (let i = 1; i < ticks.length; i++) {
        if (ticks[i][1].left < ticks[i-1][1].right - 0.5) out.push(ticks[i-1][0] + ' / ' + ticks[i][0]);
      }
      return out;
    }),
    cutTables: [...document.querySelectorAll('.table-wrap')].filter(w => {
      const card = w.closest('.panel').getBoundingClientRect(), r = w.getBoundingClientRect();
      // A table wider than its card scrolls inside it, by keyboard too,
      // with shadows at the edges that hide columns.
      const scrolls = w.scrollWidth > w.clientWidth + 1;
      const cue = getComputedStyle(w).backgroundImage.includes('gradient') && w.tabIndex === 0;
      return r.right > card.right + 1 || card.right > window.innerWidth + 1 || (scrolls && !cue);
    }).map(w => w.getAttribute('aria-label')),
    wideTables: [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1).length,
  };
  function shown(el) { return getComputedStyle(el).display !== 'none' && el.getBoundingClientRect().width > 0; }
})()`

// open loads path at width and returns its check.
func (b *browser) open(t *testing.T, path string, width int64) pageCheck {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(width, 900),
		chromedp.Navigate(b.base.String()+path),
		chromedp.WaitReady(chromedp.CSS("body")))
	var c pageCheck
	if err == nil {
		c, err = chromedp.Run(ctx, chromedp.Evaluate[pageCheck](checkJS))
	}
	if err != nil {
		t.Fatalf("%s at %dpx: %v", path, width, err)
	}
	return c
}

func testBrowser(t *testing.T, s *stack) {
	b := newBrowser(t, s)
	b.login(t, s.tokens["manager"])
	t.Run("keyboard", func(t *testing.T) { b.keyboard(t) })
	t.Run("churn model", func(t *testing.T) { b.churnModel(t) })
	for _, w := range widths {
		for _, slug := range slugs {
			t.Run(fmt.Sprintf("%s/%d", slug, w), func(t *testing.T) {
				c := b.open(t, "/dashboards/"+slug, w)
				if c.Charts == 0 || !c.Drawn || !c.Labelled {
					t.Errorf("charts: %+v", c)
				}
				if c.Overflows {
					t.Errorf("the page is wider than %dpx", w)
				}
				for _, x := range c.Clipped {
					t.Errorf("chart text cut at the chart's edge: %s", x)
				}
				for _, x := range c.Overlapping {
					t.Errorf("x axis labels overlap: %s", x)
				}
				for _, x := range c.CutTables {
					t.Errorf("table cut at its card's edge: %s", x)
				}
				if c.WideTables > 0 {
					t.Logf("%d tables scroll sideways", c.WideTables)
				}
				time.Sleep(700 * time.Millisecond) // let the live stream connect
				for _, p := range b.problems() {
					t.Error(p)
				}
			})
		}
	}
}

// testLive books through the API while the Overview is open and expects
// the "bookings, next 30 days" figure to change within 2 seconds.
func testLive(t *testing.T, s *stack) {
	b := newBrowser(t, s)
	b.login(t, s.tokens["manager"])
	b.open(t, "/dashboards/overview", 1440)
	if err := chromedp.Do(b.ctx, chromedp.Poll[chromedp.Void](`document.getElementById('live').textContent === 'live'`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("overview not live: %v", err)
	}
	const figure = `document.querySelector('[data-kpi="bookings_ahead"]').textContent`
	before, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](figure))
	if err != nil {
		t.Fatal(err)
	}
	written := s.book(t)
	after, err := chromedp.Run(b.ctx, chromedp.Poll[string](fmt.Sprintf(`%s !== %q && %s`, figure, before, figure),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(2*time.Second)))
	if err != nil {
		t.Fatalf("bookings ahead still %q %s after the booking: %v", before, time.Since(written).Round(time.Millisecond), err)
	}
	t.Logf("bookings ahead %s → %s, %s after the write", before, after, time.Since(written).Round(time.Millisecond))
	for _, p := range b.problems() {
		t.Error(p)
	}
}

// keyboard checks the first Tab lands on the skip link, that following it
// moves focus to the main content, and that focus is visible.
func (b *browser) keyboard(t *testing.T) {
	b.open(t, "/dashboards/overview", 1440)
	if err := chromedp.Do(b.ctx, chromedp.KeyEvent("\t")); err != nil {
		t.Fatal(err)
	}
	const focused = `(() => { const e = document.activeElement; return e.className + '|' + getComputedStyle(e).outlineStyle; })()`
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](focused))
	if err != nil || got != "skip|solid" {
		t.Errorf("first Tab focuses %q (%v), want the skip link with a visible outline", got, err)
	}
	if err := chromedp.Do(b.ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	id, err := chromedp.Run(b.ctx, chromedp.Poll[string](`document.activeElement.id === 'main' && document.activeElement.id`,
		chromedp.WithPollingTimeout(2*time.Second)))
	if err != nil || id != "main" {
		t.Errorf("the skip link moves focus to %q (%v)", id, err)
	}
}

// churnModel checks the churn model's page charts its precision and
// recall per method, not its first number (the horizon in days).
func (b *browser) churnModel(t *testing.T) {
	b.open(t, "/dashboards/analytics/churn_model", 390)
	desc, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector('main svg.chart desc') || {}).textContent || ''`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(desc, "Precision") || !strings.Contains(desc, "Recall") || strings.Contains(desc, "Horizon days") {
		t.Errorf("the churn model's chart: %q", desc)
	}
}
