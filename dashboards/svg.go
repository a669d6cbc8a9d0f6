package dashboards

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Chart geometry (viewBox units; the SVG scales to its container).
const (
	chartW, chartH             = 640.0, 280.0
	padL, padR, padT, padB     = 72.0, 16.0, 30.0, 52.0
	plotW, plotH               = chartW - padL - padR, chartH - padT - padB
	maxXLabels                 = 8
	heatPadL, heatPadT, heatPB = 96.0, 30.0, 40.0
)

// chart is what every SVG chart needs.
type chart struct {
	ID     string // unique in the page
	Title  string
	XLabel string
	YLabel string
	Kind   string // figure kind of the values: money, percent, count
}

// open writes the <svg> element with its accessible name and description.
func (c chart) open(b *strings.Builder, desc string) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMidYMid meet">`,
		chartW, chartH, esc(c.ID), esc(c.ID))
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(desc))
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// describe is the text alternative: every value (first 24) and the range.
func (c chart) describe(pts []point) string {
	if len(pts) == 0 {
		return c.Title + ": no data for the selected period."
	}
	var parts []string
	var hi, lo *point
	for i, p := range pts {
		if i < 24 {
			parts = append(parts, p.Label+" "+c.value(p))
		}
		if !p.Valid {
			continue
		}
		if hi == nil || p.Value > hi.Value {
			hi = &pts[i]
		}
		if lo == nil || p.Value < lo.Value {
			lo = &pts[i]
		}
	}
	if hi == nil {
		return fmt.Sprintf("%s: no values for the selected period (%s).", c.Title, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("%s, %s by %s. Highest %s (%s), lowest %s (%s). Values: %s.",
		c.Title, c.YLabel, c.XLabel, hi.Label, c.value(*hi), lo.Label, c.value(*lo), strings.Join(parts, "; "))
}

func (c chart) value(p point) string {
	if !p.Valid {
		return "no value"
	}
	return formatFigure(p.Value, c.Kind)
}

// scale returns the y range (always including zero) and 5 tick values;
// points without a value do not count.
func scale(pts []point) (lo, hi float64, ticks []float64) {
	for _, p := range pts {
		if p.Valid {
			lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
		}
	}
	if hi == lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / 4)
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	for v := lo; v <= hi+step/2; v += step {
		ticks = append(ticks, v)
	}
	return lo, hi, ticks
}

func niceStep(raw float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

// axes writes the y grid with tick labels and both axis titles.
func (c chart) axes(b *strings.Builder, lo, hi float64, ticks []float64) {
	for _, t := range ticks {
		y := padT + plotH - (t-lo)/(hi-lo)*plotH
		fmt.Fprintf(b, `<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f"/>`, padL, padL+plotW, y, y)
		fmt.Fprintf(b, `<text class="tick" x="%g" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`,
			padL-6, y, esc(tickLabel(t, c.Kind)))
	}
	fmt.Fprintf(b, `<line class="axis" x1="%g" x2="%g" y1="%g" y2="%g"/>`, padL, padL+plotW, padT+plotH, padT+plotH)
	fmt.Fprintf(b, `<text class="axis-title" x="%g" y="%g" text-anchor="middle">%s</text>`, padL+plotW/2, chartH-6, esc(fit(c.XLabel, plotW)))
	yTitles(b, c.YLabel, padT+plotH/2)
}

// xLabel writes category i's label under the axis when it is one of the
// at most maxXLabels shown.
func xLabel(b *strings.Builder, i, n int, x float64, label, anchor string) {
	every := (n + maxXLabels - 1) / maxXLabels
	if i%max(every, 1) != 0 {
		return
	}
	if r := []rune(label); len(r) > 12 {
		label = string(r[:11]) + "…"
	}
	fmt.Fprintf(b, `<text class="%s" x="%.1f" y="%g" text-anchor="%s">%s</text>`, xTickClass(i/max(every, 1)), x, padT+plotH+16, anchor, esc(label))
}

// edgeAnchor keeps the first and last labels of a line inside the plot.
func edgeAnchor(i, n int) string {
	switch {
	case n > 1 && i == 0:
		return "start"
	case n > 1 && i == n-1:
		return "end"
	}
	return "middle"
}

func (c chart) empty(b *strings.Builder) {
	fmt.Fprintf(b, `<text class="empty" x="%g" y="%g" text-anchor="middle">No data for the selected period</text>`, chartW/2, chartH/2)
}

// bars draws one bar per point.
func (c chart) bars(pts []point) template.HTML {
	var b strings.Builder
	c.open(&b, c.describe(pts))
	if len(pts) == 0 {
		c.empty(&b)
	} else {
		lo, hi, ticks := scale(pts)
		c.axes(&b, lo, hi, ticks)
		slot := plotW / float64(len(pts))
		zero := padT + plotH - (0-lo)/(hi-lo)*plotH
		for i, p := range pts {
			xLabel(&b, i, len(pts), padL+float64(i)*slot+slot/2, p.Label, "middle")
			if !p.Valid { // a gap, not a zero: a dash on the axis
				fmt.Fprintf(&b, `<text class="na" x="%.1f" y="%.1f" text-anchor="middle">–<title>%s: no value</title></text>`,
					padL+float64(i)*slot+slot/2, zero-4, esc(p.Label))
				continue
			}
			y := padT + plotH - (p.Value-lo)/(hi-lo)*plotH
			top, h := math.Min(y, zero), math.Abs(zero-y)
			cls := "bar"
			if p.Value < 0 {
				cls = "bar neg"
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %s</title></rect>`,
				cls, padL+float64(i)*slot+slot*0.15, top, slot*0.7, math.Max(h, 0.5), esc(p.Label), esc(c.value(p)))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// line draws a polyline with a marker per point.
func (c chart) line(pts []point) template.HTML {
	var b strings.Builder
	c.open(&b, c.describe(pts))
	if len(pts) == 0 {
		c.empty(&b)
	} else {
		lo, hi, ticks := scale(pts)
		c.axes(&b, lo, hi, ticks)
		step := plotW / float64(max(len(pts)-1, 1))
		// A point without a value breaks the line: a gap, never a zero.
		var runs [][]string
		var marks strings.Builder
		for i, p := range pts {
			x := padL + float64(i)*step
			if len(pts) == 1 {
				x = padL + plotW/2
			}
			xLabel(&b, i, len(pts), x, p.Label, edgeAnchor(i, len(pts)))
			if !p.Valid {
				runs = append(runs, nil)
				continue
			}
			y := padT + plotH - (p.Value-lo)/(hi-lo)*plotH
			if len(runs) == 0 || runs[len(runs)-1] == nil {
				runs = append(runs, []string{})
			}
			runs[len(runs)-1] = append(runs[len(runs)-1], fmt.Sprintf("%.1f,%.1f", x, y))
			fmt.Fprintf(&marks, `<circle class="dot" cx="%.1f" cy="%.1f" r="3"><title>%s: %s</title></circle>`, x, y, esc(p.Label), esc(c.value(p)))
		}
		for _, run := range runs {
			if len(run) > 1 {
				fmt.Fprintf(&b, `<polyline class="line" points="%s"/>`, strings.Join(run, " "))
			}
		}
		b.WriteString(marks.String())
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// heatmap draws g as a grid of cells shaded by value.
func (c chart) heatmap(g grid) template.HTML {
	var b strings.Builder
	c.open(&b, c.describeGrid(g))
	if len(g.Rows) == 0 || len(g.Cols) == 0 {
		c.empty(&b)
		b.WriteString(`</svg>`)
		return template.HTML(b.String())
	}
	cw := (chartW - heatPadL - padR) / float64(len(g.Cols))
	ch := (chartH - heatPadT - heatPB) / float64(len(g.Rows))
	for i, r := range g.Rows {
		y := heatPadT + float64(i)*ch
		fmt.Fprintf(&b, `<text class="tick" x="%g" y="%.1f" text-anchor="end" dominant-baseline="middle">%s</text>`, heatPadL-6, y+ch/2, esc(fit(r, heatPadL-24)))
		for j, v := range g.Cells[i] {
			op := 0.06
			if g.Max > 0 {
				op = 0.06 + 0.94*v/g.Max
			}
			fmt.Fprintf(&b, `<rect class="cell" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill-opacity="%.2f"><title>%s, %s: %s</title></rect>`,
				heatPadL+float64(j)*cw, y, cw-1, ch-1, op, esc(r), esc(g.Cols[j]), esc(formatFigure(v, c.Kind)))
		}
	}
	for j, col := range g.Cols {
		if every := max((len(g.Cols)+11)/12, 1); j%every == 0 {
			fmt.Fprintf(&b, `<text class="%s" x="%.1f" y="%g" text-anchor="middle">%s</text>`, xTickClass(j/every), heatPadL+float64(j)*cw+cw/2, chartH-heatPB+14, esc(col))
		}
	}
	fmt.Fprintf(&b, `<text class="axis-title" x="%g" y="%g" text-anchor="middle">%s</text>`, heatPadL+(chartW-heatPadL)/2, chartH-6, esc(fit(c.XLabel, chartW-heatPadL)))
	yTitles(&b, c.YLabel, heatPadT+(chartH-heatPadT-heatPB)/2)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func (c chart) describeGrid(g grid) string {
	if len(g.Rows) == 0 {
		return c.Title + ": no data for the selected period."
	}
	best, bi, bj := -1.0, 0, 0
	var total float64
	for i := range g.Cells {
		for j, v := range g.Cells[i] {
			total += v
			if v > best {
				best, bi, bj = v, i, j
			}
		}
	}
	return fmt.Sprintf("%s: %d %s × %d %s, total %s; the busiest cell is %s, %s with %s. The table below lists every value.",
		c.Title, len(g.Rows), c.YLabel, len(g.Cols), c.XLabel, formatFigure(total, c.Kind), g.Rows[bi], g.Cols[bj], formatFigure(best, c.Kind))
}
