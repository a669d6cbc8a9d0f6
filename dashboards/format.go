package dashboards

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// kind of a figure, from its column name (DOMAIN.md names).
type figureKind int

const (
	plainFigure figureKind = iota
	moneyFigure
	percentFigure
	idFigure
)

var (
	moneyWords   = []string{"revenue", "sales", "cost", "profit", "amount", "monetary", "payable", "settled", "difference", "overhead", "average_repair_order", "labour_rate", "per_vehicle_hour", "per_ro"}
	percentWords = []string{"_rate", "margin", "utilisation", "efficiency", "productivity", "proficiency", "share", "ratio", "on_time_pickup", "_pct", "growth", "precision", "recall", "accuracy"}
)

func kindOf(name string) figureKind {
	switch {
	case name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_rank") ||
		strings.HasSuffix(name, "_quintile") || strings.HasSuffix(name, "_number") || name == "hour_of_day":
		return idFigure
	case name == "true_margin" || strings.Contains(name, "labour_rate") || strings.Contains(name, "per_vehicle_hour") || strings.Contains(name, "per_ro"):
		return moneyFigure
	}
	for _, w := range percentWords {
		if strings.Contains(name, w) {
			return percentFigure
		}
	}
	for _, w := range moneyWords {
		if strings.Contains(name, w) {
			return moneyFigure
		}
	}
	return plainFigure
}

// formatFigure writes f as money (no decimals over 1,000), percent or a
// grouped number.
func formatFigure(f float64, kind string) string {
	switch kind {
	case "money":
		sign, dec := "", 2
		if math.Abs(f) >= 1000 {
			dec = 0
		}
		if f < 0 && group(-f, dec) != group(0, dec) {
			sign = "-"
		}
		return sign + "£" + group(math.Abs(f), dec)
	case "percent":
		return group(f*100, 1) + "%"
	case "id":
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	if f == math.Trunc(f) {
		return group(f, 0)
	}
	return group(f, 2)
}

var kindNames = map[figureKind]string{moneyFigure: "money", percentFigure: "percent", idFigure: "id", plainFigure: "count"}

// formatCell writes a table value of the named column.
func formatCell(name string, v any) string {
	switch v := v.(type) {
	case nil:
		return "–"
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case string:
		return v
	case []float64:
		parts := make([]string, len(v))
		for i, f := range v {
			parts[i] = group(f, 1)
		}
		return strings.Join(parts, " · ")
	}
	if f, ok := number(v); ok {
		return formatFigure(f, kindNames[kindOf(name)])
	}
	return fmt.Sprint(v)
}

// group formats f with dec decimals and thousands separators.
func group(f float64, dec int) string {
	s := strconv.FormatFloat(math.Abs(f), 'f', dec, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if f < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
