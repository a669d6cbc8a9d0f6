package dashboards

import (
	"strings"
	"testing"
)

// TestMissingValuesAreGaps: a NULL measure (days of cover of a part
// nothing uses) or a zero denominator (a week with no bookings) is a point
// without a value: not ranked, not scaled, not drawn as 0.
func TestMissingValuesAreGaps(t *testing.T) {
	plain := func(_ string, v any) string { return v.(string) }
	tab := table([]string{"label", "y"}, []any{"bolt", nil}, []any{"pad", 12.0}, []any{"disc", 3.0})
	got := series(tab, panel{X: "label", Y: "y", Top: -2}, plain)
	if len(got) != 2 || got[0].Label != "disc" || got[1].Label != "pad" {
		t.Errorf("the lowest two days of cover skip the part without a value: %+v", got)
	}
	pts := []point{{"w1", 0.9, true}, {"w2", 0, false}, {"w3", 0.8, true}, {"w4", 0.85, true}}
	c := chart{ID: "c", Title: "Show rate", XLabel: "Week", YLabel: "Show rate", Kind: "percent"}
	line := string(c.line(pts))
	if n := strings.Count(line, "<polyline"); n != 1 || strings.Count(line, `class="dot"`) != 3 {
		t.Errorf("a line breaks at the gap (one run of two points, w1 alone): %d polylines in %s", n, line)
	}
	if strings.Contains(line, "w2: 0") || !strings.Contains(c.describe(pts), "w2 no value") {
		t.Errorf("the gap is described as no value: %s", c.describe(pts))
	}
	if !strings.Contains(c.describe(pts), "lowest w3 (80.0%)") {
		t.Errorf("the lowest is a real value: %s", c.describe(pts))
	}
	bars := string(c.bars(pts))
	if strings.Count(bars, `class="bar"`) != 3 || !strings.Contains(bars, `class="na"`) {
		t.Errorf("bars: three bars and a dash for the gap: %s", bars)
	}
	if lo, _, _ := scale([]point{{"a", -50, false}, {"b", 5, true}}); lo != 0 {
		t.Errorf("a gap does not stretch the scale: lo %g", lo)
	}
}

// TestRatesChartOfModels: an analytic comparing a few methods by
// precision and recall charts those, not its first number (the horizon).
func TestRatesChartOfModels(t *testing.T) {
	tab := table([]string{"method", "horizon_days", "customers", "precision", "recall"},
		[]any{"rule", 30.0, 900.0, 0.41, 0.77}, []any{"logistic", 30.0, 900.0, nil, 0.62})
	pn := autoPick(tab, panel{ID: "churn_model", Chart: autoChart})
	if pn.Chart != ratesChart || pn.X != "method" {
		t.Fatalf("autoPick: %+v", pn)
	}
	plain := func(_ string, v any) string { return v.(string) }
	pts := rates(tab, col(tab, "method"), plain, "method")
	var labels []string
	for _, p := range pts {
		labels = append(labels, p.Label)
	}
	if strings.Join(labels, "|") != "rule · Precision|rule · Recall|logistic · Precision|logistic · Recall" || pts[2].Valid || pts[0].Value != 0.41 {
		t.Errorf("rates: %+v", pts)
	}
	one := table([]string{"horizon_days", "customers", "precision", "recall"}, []any{30.0, 900.0, 0.87, 0.62})
	if pn := autoPick(one, panel{Chart: autoChart}); pn.Chart != ratesChart || pn.X != "" {
		t.Errorf("one model: %+v", pn)
	}
	if pts := rates(one, -1, plain, ""); len(pts) != 2 || pts[0].Label != "Precision" || pts[1].Label != "Recall" {
		t.Errorf("one model's rates: %+v", pts)
	}
}

// TestAxisTextFitsAPhone: tick values are compact and axis titles are cut
// to the room they have at the phone font size.
func TestAxisTextFitsAPhone(t *testing.T) {
	for _, c := range []struct {
		v          float64
		kind, want string
	}{{125000, "money", "£125k"}, {1260000, "money", "£1.3m"}, {-20000, "money", "-£20k"}, {150, "money", "£150"},
		{12.5, "money", "£12.50"}, {5000, "money", "£5,000"}, {1, "percent", "100%"}, {0.125, "percent", "12.5%"}, {25000, "count", "25k"}} {
		if got := tickLabel(c.v, c.kind); got != c.want {
			t.Errorf("tickLabel(%g, %s) = %q, want %q", c.v, c.kind, got, c.want)
		}
	}
	long := "Occupied bay hours ÷ Bay hours open, all branches"
	if got := []rune(fit(long, plotH)); float64(len(got))*charWidth > plotH || got[len(got)-1] != '…' {
		t.Errorf("fit: %q", string(got))
	}
	if fit("Revenue", plotH) != "Revenue" {
		t.Error("a short title is kept")
	}
	c := chart{ID: "c", Title: "t", XLabel: "Week", YLabel: long, Kind: "money"}
	svg := string(c.bars([]point{{"a", 1, true}, {"b", 2, true}, {"c", 3, true}}))
	if !strings.Contains(svg, `class="axis-title y-side"`) || !strings.Contains(svg, `class="axis-title y-top"`) || !strings.Contains(svg, `class="tick x alt"`) {
		t.Errorf("the y title is drawn beside and above the plot, every other x label is alt: %s", svg)
	}
}
