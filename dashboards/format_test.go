package dashboards

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/carcarehub/cch/warehouse/marts"
)

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		name string
		v    float64
		kind string
		want string
	}{
		{"money small", 243.979, "money", "£243.98"},
		{"money large", 1234567.4, "money", "£1,234,567"},
		{"money negative", -5120, "money", "-£5,120"},
		{"percent", 0.6177, "percent", "61.8%"},
		{"count", 1757, "count", "1,757"},
		{"fraction", 0.375, "count", "0.38"},
		{"id", 1507, "id", "1507"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := formatFigure(c.v, c.kind); got != c.want {
				t.Errorf("formatFigure(%v, %s) = %q, want %q", c.v, c.kind, got, c.want)
			}
		})
	}
	for col, want := range map[string]figureKind{
		"revenue": moneyFigure, "true_margin": moneyFigure, "effective_labour_rate": moneyFigure,
		"gross_margin": percentFigure, "comeback_rate": percentFigure, "technician_efficiency": percentFigure,
		"branch_id": idFigure, "revenue_rank": idFigure, "car_count": plainFigure,
	} {
		if got := kindOf(col); got != want {
			t.Errorf("kindOf(%s) = %v, want %v", col, got, want)
		}
	}
}

func table(cols []string, rows ...[]any) *marts.Table {
	t := &marts.Table{Rows: rows}
	for _, c := range cols {
		typ := "DOUBLE"
		if c == "label" || c == "method" {
			typ = "VARCHAR"
		}
		t.Columns = append(t.Columns, marts.Column{Name: c, Type: typ})
	}
	return t
}

func TestSeries(t *testing.T) {
	tab := table([]string{"label", "y", "den"},
		[]any{"a", 1.0, 4.0}, []any{"b", 3.0, 0.0}, []any{"a", 2.0, 2.0})
	plain := func(_ string, v any) string { return v.(string) }
	got := series(tab, panel{X: "label", Y: "y", Den: "den"}, plain)
	if len(got) != 2 || got[0].Value != 0.5 || !got[0].Valid || got[1].Valid {
		t.Errorf("ratio series: %+v", got)
	}
	got = series(tab, panel{X: "label"}, plain)
	if got[0].Value != 2 || got[1].Value != 1 {
		t.Errorf("count series: %+v", got)
	}
	if got := series(tab, panel{X: "label", Y: "y", Mean: true}, plain); got[0].Value != 1.5 {
		t.Errorf("mean series: %+v", got)
	}
	pts := []point{{"a", 1, true}, {"b", 5, true}, {"c", 3, true}}
	if got := top(pts, 2); got[0].Label != "b" || got[1].Label != "c" {
		t.Errorf("top 2: %+v", got)
	}
	if got := top(pts, -1); got[0].Label != "a" {
		t.Errorf("bottom 1: %+v", got)
	}
}

func TestCharts(t *testing.T) {
	c := chart{ID: "c-x", Title: "Revenue <by> month", XLabel: "Period", YLabel: "Revenue", Kind: "money"}
	pts := []point{{"Jan", 10, true}, {"Feb", -4, true}}
	for name, svg := range map[string]string{"bars": string(c.bars(pts)), "line": string(c.line(pts)),
		"heatmap": string(c.heatmap(grid{Rows: []string{"Mon"}, Cols: []string{"8"}, Cells: [][]float64{{3}}, Max: 3})),
		"empty":   string(c.bars(nil))} {
		for _, want := range []string{`role="img"`, `aria-labelledby="c-x-t c-x-d"`, "<title id=\"c-x-t\">Revenue &lt;by&gt; month</title>", "<desc id=\"c-x-d\">"} {
			if !strings.Contains(svg, want) {
				t.Errorf("%s: no %s in %s", name, want, svg)
			}
		}
	}
	if svg := string(c.bars(pts)); !strings.Contains(svg, `class="bar neg"`) || !strings.Contains(svg, ">Period<") {
		t.Errorf("bars: %s", svg)
	}
	if !strings.Contains(c.describe(pts), "Highest Jan (£10.00), lowest Feb (-£4.00)") {
		t.Errorf("describe: %s", c.describe(pts))
	}
}

func TestFiltered(t *testing.T) {
	tab := table([]string{"method", "flag"}, []any{"holt_winters", true}, []any{"seasonal_naive", false})
	if got := filtered(tab, "flag"); len(got.Rows) != 1 || got.Rows[0][0] != "holt_winters" {
		t.Errorf("boolean: %v", got.Rows)
	}
	if got := filtered(tab, "method=seasonal_naive"); len(got.Rows) != 1 || got.Rows[0][1] != false {
		t.Errorf("equals: %v", got.Rows)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/dashboards/services?period=3m": "/dashboards/services?period=3m",
		"https://evil.example/": "/dashboards", "//evil.example": "/dashboards", "/v1/sql": "/dashboards", "": "/dashboards"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTopMatchesStableSort: the one-pass selection keeps exactly what a
// stable sort would, in the same order, ties included.
func TestTopMatchesStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		ps := make([]point, r.IntN(60))
		for i := range ps {
			ps[i] = point{Label: strconv.Itoa(i), Value: float64(r.IntN(8)), Valid: r.IntN(10) > 0}
		}
		for _, n := range []int{1, 5, 15, -1, -5, -15} {
			want := ps
			if len(ps) > max(n, -n) {
				want = slices.DeleteFunc(slices.Clone(ps), func(p point) bool { return !p.Valid })
				slices.SortStableFunc(want, func(a, b point) int {
					if n < 0 {
						return cmp.Compare(a.Value, b.Value)
					}
					return cmp.Compare(b.Value, a.Value)
				})
				want = want[:min(len(want), max(n, -n))]
			}
			if got := top(ps, n); !slices.Equal(got, want) {
				t.Fatalf("trial %d, n %d:\n got %v\nwant %v", trial, n, got, want)
			}
		}
	}
}
