package dashboards

import (
	"slices"
	"strings"
	"time"

	"github.com/carcarehub/cch/warehouse/marts"
)

// chartKind is how a panel draws its analytic.
type chartKind int

const (
	noChart chartKind = iota
	barChart
	lineChart
	heatmapChart
	columnsChart // one row: its measures side by side
	dailyChart   // an array column: one value per day from the period's end
	ratesChart   // a few rows (methods, models): their rate columns side by side
)

// panel is one analytic on a page: a chart and/or a table.
type panel struct {
	ID       string // unique on its page; the CSV table= value and the live block id
	Analytic string
	Title    string
	Chart    chartKind
	X        string // category or period column; heatmap: columns
	Rows     string // heatmap: row column
	Y        string // measure summed per X; "" counts rows
	Den      string // when set, the chart shows (ΣY − ΣSub) ÷ ΣDen
	Sub      string
	Percent  bool   // Y is a share
	Mean     bool   // average Y per X instead of summing it
	Grain    string // granularity override
	Where    string // rows kept (table and chart): a boolean column that is true, or column=value
	Top      int    // bar charts: the Top largest categories (0: all)
	NoTable  bool
	// Match, when set, picks every catalogue analytic whose name contains
	// it and is not named by another panel of the page (forecast, churn
	// model …): each is drawn generically.
	Match string
}

// kpi is one headline figure.
type kpi struct {
	ID       string
	Label    string
	Analytic string
	Grain    string
	Window   func(to time.Time) (from, until time.Time) // nil: the page period
	// Since, when set, counts only rows whose period starts at or after
	// it: KPIs of one analytic and window then share one query.
	Since  func(to time.Time) time.Time
	Value  func(t *marts.Table) (float64, bool)
	Format string // money, percent, count
}

// page is one dashboard.
type page struct {
	Slug   string
	Title  string
	KPIs   []kpi
	Panels []panel
}

// analytics names every analytic the page reads.
func (p page) analytics() []string {
	var out []string
	for _, k := range p.KPIs {
		out = append(out, k.Analytic)
	}
	for _, pn := range p.Panels {
		if pn.Analytic != "" {
			out = append(out, pn.Analytic)
		}
	}
	return out
}

// expand replaces Match panels by one generic panel per matching
// catalogue analytic the page does not already show.
func (p page) expand() page {
	named := p.analytics()
	var panels []panel
	for _, pn := range p.Panels {
		if pn.Match == "" {
			panels = append(panels, pn)
			continue
		}
		for _, a := range marts.Catalog() {
			if strings.Contains(a.Name, pn.Match) && !slices.Contains(named, a.Name) {
				panels = append(panels, genericPanel(a))
			}
		}
	}
	p.Panels = panels
	return p
}

// genericPanel draws any analytic: a line over "period" for time series,
// otherwise a table (the chart is chosen from the columns at render time).
func genericPanel(a marts.Analytic) panel {
	return panel{ID: a.Name, Analytic: a.Name, Title: humanise(a.Name), Chart: autoChart}
}

// autoChart picks bars or a line from the result's columns.
const autoChart chartKind = -1

func humanise(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func startOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// currentPeriod returns a window from the start of the grain's period
// containing the last day before to.
func currentPeriod(grain string) func(time.Time) (time.Time, time.Time) {
	return func(to time.Time) (time.Time, time.Time) {
		last := startOfMonth(to.AddDate(0, 0, -1))
		switch grain {
		case "quarter":
			last = last.AddDate(0, -int(last.Month()-1)%3, 0)
		case "year":
			last = time.Date(last.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return last, to
	}
}

// periodStart is the start of the grain's period holding the day before
// to.
func periodStart(grain string) func(time.Time) time.Time {
	return func(to time.Time) time.Time {
		from, _ := currentPeriod(grain)(to)
		return from
	}
}

// ahead is the next days days from the period's end.
func ahead(days int) func(time.Time) (time.Time, time.Time) {
	return func(to time.Time) (time.Time, time.Time) {
		from := to.AddDate(0, 0, -1)
		return from, from.AddDate(0, 0, days)
	}
}
