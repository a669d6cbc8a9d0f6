package marts

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"
)

// churnHorizon is how long without a visit after a cutoff counts as churn
// for the model's labels.
const churnHorizon = 30 * 24 * time.Hour

// churnFeatures are the model's explanatory variables, in order.
var churnFeatures = []string{"log_days_since_last_visit", "visits_12m", "log_revenue_12m", "rule_ratio"}

// customerHistory is a customer's visit days and revenue per visit.
type customerHistory struct {
	days    []time.Time
	revenue []float64
}

// churnModel fits a logistic regression on monthly cutoffs before the
// held-out month [To − 30 days, To) and scores it beside the rule there.
func churnModel(ctx context.Context, q Querier, p Params) (*Table, error) {
	hist, err := visitHistories(ctx, q, p)
	if err != nil {
		return nil, err
	}
	test := p.To.Add(-churnHorizon)
	var trainX [][]float64
	var trainY []float64
	for k := 1; k <= 12; k++ {
		x, y, _ := churnSamples(hist, test.Add(-time.Duration(k)*churnHorizon))
		trainX, trainY = append(trainX, x...), append(trainY, y...)
	}
	testX, testY, ratios := churnSamples(hist, test)
	t := &Table{Columns: []Column{{"method", "VARCHAR"}, {"cutoff", "DATE"}, {"horizon_days", "INTEGER"},
		{"customers", "INTEGER"}, {"churners", "INTEGER"}, {"predicted_churners", "INTEGER"},
		{"true_positives", "INTEGER"}, {"precision", "DOUBLE"}, {"recall", "DOUBLE"}, {"model", "VARCHAR"}}, Rows: [][]any{}}
	rule := make([]bool, len(ratios))
	for i, r := range ratios {
		rule[i] = r > 1.5
	}
	t.Rows = append(t.Rows, scoreRow("rule", test, testY, rule, "days since last visit > 1.5 × median interval"))
	if len(trainY) < 20 || len(testY) == 0 {
		return t, nil
	}
	m, err := FitLogistic(trainX, trainY)
	if err != nil {
		return nil, err
	}
	pred := make([]bool, len(testX))
	for i, x := range testX {
		pred[i] = m.Predict(x) >= 0.5
	}
	t.Rows = append(t.Rows, scoreRow("logistic_regression", test, testY, pred, m.String()))
	return t, nil
}

func scoreRow(method string, cutoff time.Time, y []float64, pred []bool, model string) []any {
	var churners, predicted, tp int
	for i, v := range y {
		if v == 1 {
			churners++
		}
		if pred[i] {
			predicted++
			if v == 1 {
				tp++
			}
		}
	}
	var precision, recall any
	if predicted > 0 {
		precision = float64(tp) / float64(predicted)
	}
	if churners > 0 {
		recall = float64(tp) / float64(churners)
	}
	return []any{method, cutoff.Format(time.DateOnly), int(churnHorizon.Hours() / 24), len(y), churners, predicted, tp,
		precision, recall, model}
}

// visitHistories reads every customer's visit days before To.
func visitHistories(ctx context.Context, q Querier, p Params) (map[int64]*customerHistory, error) {
	rows, err := q.QueryContext(ctx, `SELECT customer_id, day, sum(revenue) FROM mart.customer_invoices
		WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day < $to
		GROUP BY ALL ORDER BY customer_id, day`, namedArgs(p, "org", "branches", "to")...)
	if err != nil {
		return nil, fmt.Errorf("visit histories: %w", err)
	}
	defer rows.Close()
	out := map[int64]*customerHistory{}
	for rows.Next() {
		var c int64
		var day time.Time
		var rev float64
		if err := rows.Scan(&c, &day, &rev); err != nil {
			return nil, fmt.Errorf("visit histories: %w", err)
		}
		h := out[c]
		if h == nil {
			h = &customerHistory{}
			out[c] = h
		}
		h.days, h.revenue = append(h.days, day), append(h.revenue, rev)
	}
	return out, rows.Err()
}

// churnSamples builds features and labels at cutoff for customers with a
// visit before it; ratios are the rule's days-since ÷ median interval.
func churnSamples(hist map[int64]*customerHistory, cutoff time.Time) (x [][]float64, y, ratios []float64) {
	shop := shopMedianInterval(hist, cutoff)
	ids := make([]int64, 0, len(hist))
	for id := range hist {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		h := hist[id]
		n, _ := slices.BinarySearchFunc(h.days, cutoff, func(a, b time.Time) int { return a.Compare(b) })
		if n == 0 {
			continue
		}
		since := cutoff.Sub(h.days[n-1]).Hours() / 24
		med := medianInterval(h.days[:n])
		if math.IsNaN(med) {
			med = shop
		}
		ratio := math.Min(since/math.Max(med, 1), 10)
		visits, revenue := 0.0, 0.0
		for i := range n {
			if cutoff.Sub(h.days[i]) <= 365*24*time.Hour {
				visits, revenue = visits+1, revenue+h.revenue[i]
			}
		}
		label := 1.0
		if n < len(h.days) && h.days[n].Before(cutoff.Add(churnHorizon)) {
			label = 0
		}
		x = append(x, []float64{math.Log1p(since), visits, math.Log1p(math.Max(revenue, 0)), ratio})
		y, ratios = append(y, label), append(ratios, ratio)
	}
	return x, y, ratios
}

// medianInterval is the median of the day gaps between visits (NaN for one visit).
func medianInterval(days []time.Time) float64 {
	if len(days) < 2 {
		return math.NaN()
	}
	gaps := make([]float64, 0, len(days)-1)
	for i := 1; i < len(days); i++ {
		gaps = append(gaps, days[i].Sub(days[i-1]).Hours()/24)
	}
	return median(gaps)
}

func shopMedianInterval(hist map[int64]*customerHistory, cutoff time.Time) float64 {
	var gaps []float64
	for _, h := range hist {
		for i := 1; i < len(h.days) && h.days[i].Before(cutoff); i++ {
			gaps = append(gaps, h.days[i].Sub(h.days[i-1]).Hours()/24)
		}
	}
	if len(gaps) == 0 {
		return 30
	}
	return median(gaps)
}

func median(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// Logistic is a fitted logistic regression on standardised features.
type Logistic struct {
	Coef      []float64 // intercept first, then one per feature
	mean, std []float64
}

// FitLogistic fits y ∈ {0, 1} on x by iteratively reweighted least
// squares (Newton's method) with a small ridge for stability.
func FitLogistic(x [][]float64, y []float64) (*Logistic, error) {
	m := &Logistic{}
	m.standardise(x)
	n, k := len(x), len(x[0])+1
	design := mat.NewDense(n, k, nil)
	for i, row := range x {
		design.Set(i, 0, 1)
		for j, v := range m.scale(row) {
			design.Set(i, j+1, v)
		}
	}
	beta := mat.NewVecDense(k, nil)
	for range 25 {
		hess := mat.NewSymDense(k, nil)
		grad := mat.NewVecDense(k, nil)
		for i := range n {
			row := design.RawRowView(i)
			p := sigmoid(mat.Dot(mat.NewVecDense(k, row), beta))
			w := math.Max(p*(1-p), 1e-9)
			for a := range k {
				grad.SetVec(a, grad.AtVec(a)+(y[i]-p)*row[a])
				for b := a; b < k; b++ {
					hess.SetSym(a, b, hess.At(a, b)+w*row[a]*row[b])
				}
			}
		}
		for a := range k {
			hess.SetSym(a, a, hess.At(a, a)+1e-6)
		}
		var step mat.VecDense
		if err := step.SolveVec(hess, grad); err != nil {
			return nil, fmt.Errorf("logistic regression: %w", err)
		}
		beta.AddVec(beta, &step)
		if mat.Norm(&step, 2) < 1e-8 {
			break
		}
	}
	m.Coef = mat.Col(nil, 0, beta)
	return m, nil
}

func (m *Logistic) standardise(x [][]float64) {
	k := len(x[0])
	m.mean, m.std = make([]float64, k), make([]float64, k)
	for j := range k {
		col := make([]float64, len(x))
		for i := range x {
			col[i] = x[i][j]
		}
		mu := mean(col)
		ss := 0.0
		for _, v := range col {
			ss += (v - mu) * (v - mu)
		}
		m.mean[j], m.std[j] = mu, math.Max(math.Sqrt(ss/float64(len(col))), 1e-9)
	}
}

func (m *Logistic) scale(row []float64) []float64 {
	out := make([]float64, len(row))
	for j, v := range row {
		out[j] = (v - m.mean[j]) / m.std[j]
	}
	return out
}

// Predict is the probability of churn for one feature row.
func (m *Logistic) Predict(row []float64) float64 {
	z := m.Coef[0]
	for j, v := range m.scale(row) {
		z += m.Coef[j+1] * v
	}
	return sigmoid(z)
}

// String explains the model: its coefficients per standardised feature.
func (m *Logistic) String() string {
	parts := []string{fmt.Sprintf("intercept=%.3f", m.Coef[0])}
	for j, f := range churnFeatures {
		parts = append(parts, fmt.Sprintf("%s=%.3f", f, m.Coef[j+1]))
	}
	return strings.Join(parts, " ")
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
