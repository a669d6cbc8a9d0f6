package dashboards

import (
	"fmt"
	"math"
	"strings"
)

// Axis text is sized for the narrowest screen (svg.chart text is 17px in
// viewBox units below 700px): charWidth is a generous average glyph
// width there, so a label estimated to fit does fit.
const charWidth = 17 * 0.62

// tickLabel is a compact tick value, so the labels fit left of the plot
// on a phone: money and counts of 10,000 and more in thousands (£125k) or
// millions (£1.2m), whole pounds and whole percentages without decimals.
func tickLabel(v float64, kind string) string {
	a := math.Abs(v)
	switch {
	case kind == "percent" && math.Abs(v*100-math.Round(v*100)) < 1e-9:
		return group(v*100, 0) + "%"
	case kind == "money" && a < 10_000 && v == math.Trunc(v):
		return sign(v) + "£" + group(a, 0)
	case (kind != "money" && kind != "count") || a < 10_000:
		return formatFigure(v, kind)
	}
	unit, div := "k", 1e3
	if a >= 1e6 {
		unit, div = "m", 1e6
	}
	num := strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.1f", a/div), "0"), ".")
	if kind == "money" {
		return sign(v) + "£" + num + unit
	}
	return sign(v) + num + unit
}

func sign(v float64) string {
	if v < 0 {
		return "-"
	}
	return ""
}

// fit shortens s with an ellipsis to at most width viewBox units of axis
// text (the full text is in the chart's title, description and table).
func fit(s string, width float64) string {
	n := int(width / charWidth)
	if r := []rune(s); len(r) > n && n > 1 {
		return string(r[:n-1]) + "…"
	}
	return s
}

// yTitles writes the y axis title twice: rotated beside the axis (wide
// screens) and level above the plot (phones, where a rotated title would
// not fit beside the tick labels); the CSS shows one of them.
func yTitles(b *strings.Builder, title string, mid float64) {
	fmt.Fprintf(b, `<text class="axis-title y-side" transform="rotate(-90)" x="%g" y="14" text-anchor="middle">%s</text>`,
		-mid, esc(fit(title, plotH)))
	fmt.Fprintf(b, `<text class="axis-title y-top" x="4" y="%g">%s</text>`, padT-10, esc(fit(title, chartW-8)))
}

// xTickClass marks every other shown x label "alt": phones hide those,
// halving the labels so dates never overlap.
func xTickClass(shown int) string {
	if shown%2 == 1 {
		return "tick x alt"
	}
	return "tick x"
}
