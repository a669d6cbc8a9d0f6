package dashboards

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/carcarehub/cch/warehouse/marts"
)

// col is the index of the named column, or -1.
func col(t *marts.Table, name string) int {
	return slices.IndexFunc(t.Columns, func(c marts.Column) bool { return c.Name == name })
}

func number(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case int:
		return float64(v), true
	case int16:
		return float64(v), true
	case int8:
		return float64(v), true
	case uint64:
		return float64(v), true
	case uint32:
		return float64(v), true
	case bool:
		return 0, false
	}
	return 0, false
}

// numify turns the decimal strings of numeric columns (HUGEINT sums
// arrive as text) into float64, in place.
func numify(t *marts.Table) {
	for j, c := range t.Columns {
		if !numericType(c.Type) {
			continue
		}
		for _, r := range t.Rows {
			if s, ok := r[j].(string); ok {
				if f, err := strconv.ParseFloat(s, 64); err == nil {
					r[j] = f
				}
			}
		}
	}
}

// sums adds up the named numeric columns over every row.
func sums(t *marts.Table, names ...string) ([]float64, bool) {
	out := make([]float64, len(names))
	for i, n := range names {
		c := col(t, n)
		if c < 0 {
			return nil, false
		}
		for _, r := range t.Rows {
			if f, ok := number(r[c]); ok {
				out[i] += f
			}
		}
	}
	return out, true
}

func sum(name string) func(*marts.Table) (float64, bool) {
	return func(t *marts.Table) (float64, bool) {
		s, ok := sums(t, name)
		if !ok {
			return 0, false
		}
		return s[0], true
	}
}

func ratio(num, den string) func(*marts.Table) (float64, bool) {
	return func(t *marts.Table) (float64, bool) {
		s, ok := sums(t, num, den)
		if !ok || s[1] == 0 {
			return 0, false
		}
		return s[0] / s[1], true
	}
}

// margin is (Σsales − Σcost) ÷ Σsales.
func margin(sales, cost string) func(*marts.Table) (float64, bool) {
	return func(t *marts.Table) (float64, bool) {
		s, ok := sums(t, sales, cost)
		if !ok || s[0] == 0 {
			return 0, false
		}
		return (s[0] - s[1]) / s[0], true
	}
}

// first is the named column of the first row.
func first(name string) func(*marts.Table) (float64, bool) {
	return func(t *marts.Table) (float64, bool) {
		c := col(t, name)
		if c < 0 || len(t.Rows) == 0 {
			return 0, false
		}
		return number(t.Rows[0][c])
	}
}

// filtered keeps the rows where says: a boolean column that must be
// true, or column=value for a text column.
func filtered(t *marts.Table, where string) *marts.Table {
	if where == "" {
		return t
	}
	name, want, eq := strings.Cut(where, "=")
	c := col(t, name)
	out := &marts.Table{Columns: t.Columns, Rows: [][]any{}, Truncated: t.Truncated}
	for _, r := range t.Rows {
		if c >= 0 && ((!eq && r[c] == true) || (eq && r[c] == want)) {
			out.Rows = append(out.Rows, r)
		}
	}
	return out
}

// since keeps the rows whose "period" (a date) is on or after from.
func since(t *marts.Table, from time.Time) *marts.Table {
	c := col(t, "period")
	out := &marts.Table{Columns: t.Columns, Rows: [][]any{}, Truncated: t.Truncated}
	day := from.Format(time.DateOnly)
	for _, r := range t.Rows {
		if s, ok := r[c].(string); c >= 0 && ok && s >= day {
			out.Rows = append(out.Rows, r)
		}
	}
	return out
}

// daily sums the array column name over the rows, element by element,
// as one point per day from start.
func daily(t *marts.Table, name string, start time.Time) []point {
	c := col(t, name)
	var sum []float64
	for _, r := range t.Rows {
		if c < 0 {
			break
		}
		vs, _ := r[c].([]float64)
		if vs == nil {
			if anys, ok := r[c].([]any); ok {
				for _, a := range anys {
					f, _ := number(a)
					vs = append(vs, f)
				}
			}
		}
		for i, v := range vs {
			if i == len(sum) {
				sum = append(sum, 0)
			}
			sum[i] += v
		}
	}
	out := make([]point, len(sum))
	for i, v := range sum {
		out[i] = point{Label: start.AddDate(0, 0, i).Format("2 Jan"), Value: v, Valid: true}
	}
	return out
}

// point is one aggregated category of a chart.
type point struct {
	Label string
	Value float64
	Valid bool
}

// series aggregates t per X label in first-seen order: ΣY (or a row count
// when Y is empty), or (ΣY − ΣSub) ÷ ΣDen when Den is set.
func series(t *marts.Table, pn panel, label func(col string, v any) string) []point {
	x, y, den, sub := col(t, pn.X), col(t, pn.Y), col(t, pn.Den), col(t, pn.Sub)
	if x < 0 || (pn.Y != "" && y < 0) {
		return nil
	}
	type acc struct {
		label          string
		y, den, sub, n float64
		ys             int // rows with a value of Y (NULL is no value, not 0)
	}
	var accs []acc // in order of first appearance
	index := make(map[string]int, min(len(t.Rows), 1<<16))
	for _, r := range t.Rows {
		k := label(pn.X, r[x])
		i, ok := index[k]
		if !ok {
			i = len(accs)
			index[k] = i
			accs = append(accs, acc{label: k})
		}
		a := &accs[i]
		a.y += cell(r, y, 1)
		if _, ok := cellValue(r, y); ok {
			a.ys++
		}
		a.n++
		a.den += cell(r, den, 0)
		a.sub += cell(r, sub, 0)
	}
	out := make([]point, 0, len(accs))
	for i := range accs {
		a := &accs[i]
		p := point{Label: a.label, Value: a.y - a.sub, Valid: a.ys > 0}
		if pn.Mean && p.Valid {
			p.Value /= float64(a.ys)
		}
		if den >= 0 && p.Valid {
			p.Valid = a.den != 0
			if p.Valid {
				p.Value = (a.y - a.sub) / a.den
			}
		}
		out = append(out, p)
	}
	return top(out, pn.Top)
}

// cell is row r's number at c; missing column: dflt (1 counts rows).
func cell(r []any, c int, dflt float64) float64 {
	if c < 0 {
		return dflt
	}
	f, _ := number(r[c])
	return f
}

// cellValue is row r's number at c, if it has one (c < 0: a row count).
func cellValue(r []any, c int) (float64, bool) {
	if c < 0 {
		return 1, true
	}
	return number(r[c])
}

// top keeps the n largest points (n < 0: the −n smallest), in that order.
func top(ps []point, n int) []point {
	if n == 0 || len(ps) <= max(n, -n) {
		return ps
	}
	// A stable selection of the best k: one pass keeping them in order
	// (k is a chart's worth of bars, the points can be 100,000 customers).
	k := max(n, -n)
	better := func(a, b point) bool { // a strictly ahead of b
		if n < 0 {
			return a.Value < b.Value
		}
		return a.Value > b.Value
	}
	best := make([]point, 0, k+1)
	for _, p := range ps {
		if !p.Valid || (len(best) == k && !better(p, best[k-1])) {
			continue
		}
		i := len(best) // after every point not behind p: ties keep input order
		for i > 0 && better(p, best[i-1]) {
			i--
		}
		best = slices.Insert(best, i, p)
		if len(best) > k {
			best = best[:k]
		}
	}
	return best
}

// grid is a heatmap: rows × columns of summed values.
type grid struct {
	Rows, Cols []string
	Cells      [][]float64
	Max        float64
}

func heat(t *marts.Table, pn panel, label func(string, any) string) grid {
	x, r, y := col(t, pn.X), col(t, pn.Rows), col(t, pn.Y)
	var g grid
	if x < 0 || r < 0 {
		return g
	}
	ri, ci := map[string]int{}, map[string]int{}
	type key struct{ r, c string }
	vals := map[key]float64{}
	// A heatmap has few distinct labels over many rows: label each
	// distinct value once.
	rowLabel, colLabel := cachedLabel(pn.Rows, label), cachedLabel(pn.X, label)
	for _, row := range t.Rows {
		rk, ck := rowLabel(row[r]), colLabel(row[x])
		if _, ok := ri[rk]; !ok {
			ri[rk] = len(g.Rows)
			g.Rows = append(g.Rows, rk)
		}
		if _, ok := ci[ck]; !ok {
			ci[ck] = len(g.Cols)
			g.Cols = append(g.Cols, ck)
		}
		vals[key{rk, ck}] += cell(row, y, 1)
	}
	sortNumeric(g.Cols)
	g.Cells = make([][]float64, len(g.Rows))
	for i, rk := range g.Rows {
		g.Cells[i] = make([]float64, len(g.Cols))
		for j, ck := range g.Cols {
			g.Cells[i][j] = vals[key{rk, ck}]
			g.Max = max(g.Max, g.Cells[i][j])
		}
	}
	return g
}

// sortNumeric orders labels numerically when they all are numbers.
func sortNumeric(s []string) {
	slices.SortStableFunc(s, func(a, b string) int {
		var fa, fb float64
		if _, err := fmt.Sscan(a, &fa); err != nil {
			return 0
		}
		if _, err := fmt.Sscan(b, &fb); err != nil {
			return 0
		}
		return cmp.Compare(fa, fb)
	})
}

// autoPick chooses a chart for an analytic no page describes: a line over
// "period" when present, else bars over the first text column (or the
// first id column), the 15 largest; the measure is the first numeric
// column that is not an id, rank or quintile. A one-row result shows its
// measures side by side.
func autoPick(t *marts.Table, pn panel) panel {
	pn.Chart, pn.X, pn.Y, pn.Top = noChart, "", "", 0
	for _, c := range t.Columns {
		if numericType(c.Type) && !isKeyLike(c.Name) {
			pn.Y = c.Name
			break
		}
	}
	switch {
	case pn.Y == "":
		return pn
	case len(t.Rows) <= maxRateRows && col(t, "period") < 0 && len(rateColumns(t)) > 0:
		pn.Chart, pn.X = ratesChart, firstColumn(t, func(c marts.Column) bool { return strings.Contains(c.Type, "VARCHAR") })
		if pn.X == "" && len(t.Rows) > 1 {
			pn.Chart = noChart
		}
	case len(t.Rows) == 1:
		pn.Chart = columnsChart
	case col(t, "period") >= 0:
		pn.Chart, pn.X = lineChart, "period"
	default:
		pn.Chart, pn.X, pn.Top = barChart, firstColumn(t, func(c marts.Column) bool { return strings.Contains(c.Type, "VARCHAR") }), 15
		if pn.X == "" {
			pn.X = firstColumn(t, func(c marts.Column) bool { return isKeyLike(c.Name) })
		}
		if pn.X == "" {
			pn.Chart = noChart
		}
	}
	return pn
}

func firstColumn(t *marts.Table, ok func(marts.Column) bool) string {
	for _, c := range t.Columns {
		if ok(c) {
			return c.Name
		}
	}
	return ""
}

// maxRateRows bounds the rows a rates chart draws side by side.
const maxRateRows = 6

// rateColumns are the numeric rate columns of t (precision, recall,
// shares, …): what a model or method comparison is read by.
func rateColumns(t *marts.Table) []int {
	var out []int
	for j, c := range t.Columns {
		if numericType(c.Type) && kindOf(c.Name) == percentFigure {
			out = append(out, j)
		}
	}
	return out
}

// rates are the rate columns of each row, labelled "row · measure" (just
// "measure" when x < 0: one row); a NULL rate is a point without a value.
func rates(t *marts.Table, x int, label func(col string, v any) string, xName string) []point {
	var out []point
	for _, r := range t.Rows {
		for _, j := range rateColumns(t) {
			f, ok := number(r[j])
			name := humanise(t.Columns[j].Name)
			if x >= 0 {
				name = label(xName, r[x]) + " · " + name
			}
			out = append(out, point{Label: name, Value: f, Valid: ok})
		}
	}
	return out
}

// measures are the numeric columns of a one-row table as points.
func measures(t *marts.Table) []point {
	var out []point
	for j, c := range t.Columns {
		if f, ok := number(t.Rows[0][j]); ok && numericType(c.Type) && !isKeyLike(c.Name) {
			out = append(out, point{Label: humanise(c.Name), Value: f, Valid: true})
		}
	}
	return out
}

func numericType(t string) bool {
	if strings.Contains(t, "INTERVAL") {
		return false
	}
	for _, p := range []string{"INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMERIC"} {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}

func isKeyLike(name string) bool {
	return name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "_rank") ||
		strings.HasSuffix(name, "_quintile") || strings.HasPrefix(name, "iso_")
}

// cachedLabel labels column name's values through label, each distinct
// scalar value once.
func cachedLabel(name string, label func(string, any) string) func(any) string {
	seen := map[any]string{}
	return func(v any) string {
		switch v.(type) {
		case nil, bool, int64, float64, string:
			if l, ok := seen[v]; ok {
				return l
			}
			l := label(name, v)
			seen[v] = l
			return l
		}
		return label(name, v)
	}
}
