package marts

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/gonum/mat"
)

// churnHorizon is how long without a visit after a cutoff counts as churn
// for the model's labels.
const churnHorizon = 30 * 24 * time.Hour

// churnFeatures are the model's explanatory variables, in order.
var churnFeatures = []string{"log_days_since_last_visit", "visits_12m", "log_revenue_12m", "rule_ratio"}

// maxTrainingSamples caps the model's training set: beyond it the
// training cutoffs use a deterministic sample of the customers (every
// customer is still scored on the held-out month). 30k samples pin four
// coefficients down far more tightly than the features separate churners.
const maxTrainingSamples = 30_000

// churnModel fits a logistic regression on monthly cutoffs before the
// held-out month [To − 30 days, To) and scores it beside the rule there.
func churnModel(ctx context.Context, q Querier, p Params) (*Table, error) {
	hist, err := visitHistories(ctx, q, p)
	if err != nil {
		return nil, err
	}
	ids := make([]int32, len(hist.ids))
	for i := range ids {
		ids[i] = int32(i)
	}
	test := p.To.Add(-churnHorizon)
	stride := uint64(1 + len(ids)*12/maxTrainingSamples)
	train := ids
	if stride > 1 {
		train = nil
		for _, i := range ids {
			if mix(uint64(hist.ids[i]))%stride == 0 {
				train = append(train, i)
			}
		}
	}
	gaps := allGaps(hist)
	// The 12 training cutoffs and the test cutoff are independent: build
	// them on every core.
	type samples struct {
		x         [][]float64
		y, ratios []float64
	}
	// Job 0 and 13 are the two halves of the test cutoff (the largest).
	out := make([]samples, 14)
	var wg sync.WaitGroup
	next := make(chan int, 14)
	for _, k := range []int{0, 13, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} {
		next <- k
	}
	close(next)
	half := len(ids) / 2
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for k := range next {
				switch k {
				case 0:
					out[0].x, out[0].y, out[0].ratios = churnSamples(hist, ids[:half], gaps, epochDay(test))
				case 13:
					out[13].x, out[13].y, out[13].ratios = churnSamples(hist, ids[half:], gaps, epochDay(test))
				default:
					out[k].x, out[k].y, _ = churnSamples(hist, train, gaps, epochDay(test.Add(-time.Duration(k)*churnHorizon)))
				}
			}
		})
	}
	wg.Wait()
	out[0].x, out[0].y, out[0].ratios = append(out[0].x, out[13].x...), append(out[0].y, out[13].y...), append(out[0].ratios, out[13].ratios...)
	var trainX [][]float64
	var trainY []float64
	for k := 1; k <= 12; k++ {
		trainX, trainY = append(trainX, out[k].x...), append(trainY, out[k].y...)
	}
	testX, testY, ratios := out[0].x, out[0].y, out[0].ratios
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
	desc := m.String()
	if stride > 1 {
		desc += fmt.Sprintf(" (trained on %d samples: 1 in %d customers)", len(trainY), stride)
	}
	t.Rows = append(t.Rows, scoreRow("logistic_regression", test, testY, pred, desc))
	return t, nil
}

// epochDay is the day number of t (days since 1970-01-01 UTC, floored).
func epochDay(t time.Time) int32 {
	s := t.Unix()
	if s < 0 {
		return int32((s - 86399) / 86400)
	}
	return int32(s / 86400)
}

// mix is splitmix64's finaliser: a well-spread hash of a customer id for
// sampling.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
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

// visitHistories reads every customer's visit days before To, once per
// memo (WithMemo) for the same organisation, branches and To: from the
// resident copy when there is one (resident.go), else from the mart.
func visitHistories(ctx context.Context, q Querier, p Params) (*histories, error) {
	read := func() (*histories, error) {
		if h, ok := residentHistories(q, p); ok {
			return h, nil
		}
		return readHistories(ctx, q, p)
	}
	m, _ := ctx.Value(memoKey{}).(*memo)
	if m == nil {
		return read()
	}
	key := fmt.Sprint(p.OrganisationID, p.BranchIDs, p.To.Unix())
	m.mu.Lock()
	e := m.entries[key]
	if e == nil {
		e = &memoEntry{}
		m.entries[key] = e
	}
	m.mu.Unlock()
	e.once.Do(func() { e.h, e.err = read() })
	return e.h, e.err
}

// memo shares the visit histories between the customer analytics of one
// dashboard render: read once, used by churn_risk, rfm and churn_model.
type memo struct {
	mu      sync.Mutex
	entries map[string]*memoEntry
}

type memoEntry struct {
	once sync.Once
	h    *histories
	err  error
}

type memoKey struct{}

// WithMemo returns a context under which analytics run with it share the
// data they read in common (the customer visit histories). Use one per
// unit of work over one warehouse state, such as a dashboard render; the
// memo is dropped with the context.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{entries: map[string]*memoEntry{}})
}

// gapsByEnd is every interval between two consecutive visits of a
// customer, ordered by the later visit's day: the shop-wide median at a
// cutoff reads a prefix.
type gapsByEnd struct {
	end, gap []int32
}

func allGaps(h *histories) gapsByEnd {
	// A counting sort by the later visit's day: days span a few years.
	var g gapsByEnd
	if len(h.days) == 0 {
		return g
	}
	lo, hi := h.days[0], h.days[0]
	for _, d := range h.days {
		lo, hi = min(lo, d), max(hi, d)
	}
	count := make([]int32, int(hi-lo)+2)
	n := 0
	for i := range h.ids {
		for j := h.start[i] + 1; j < h.start[i+1]; j++ {
			count[h.days[j]-lo+1]++
			n++
		}
	}
	for v := 1; v < len(count); v++ {
		count[v] += count[v-1]
	}
	g.end, g.gap = make([]int32, n), make([]int32, n)
	for i := range h.ids {
		for j := h.start[i] + 1; j < h.start[i+1]; j++ {
			k := h.days[j] - lo
			g.end[count[k]], g.gap[count[k]] = h.days[j], h.days[j]-h.days[j-1]
			count[k]++
		}
	}
	return g
}

// shopMedian is the median interval of the gaps ending before cutoff (30
// when there are none), by counting: gaps are whole days.
func (g gapsByEnd) shopMedian(cutoff int32) float64 {
	n, _ := slices.BinarySearch(g.end, cutoff)
	if n == 0 {
		return 30
	}
	// A histogram of the gaps (whole days) finds the middle ones in
	// O(n + largest gap); customer gaps are rarely above a few years.
	var hi int32
	for _, v := range g.gap[:n] {
		hi = max(hi, v)
	}
	if hi > 100_000 {
		return medianInts(slices.Clone(g.gap[:n]))
	}
	counts := make([]int, hi+1)
	for _, v := range g.gap[:n] {
		counts[v]++
	}
	// The values at (0-based) ranks (n-1)/2 and n/2.
	lo, up, seen := int32(-1), int32(-1), 0
	for v, c := range counts {
		seen += c
		if lo < 0 && seen > (n-1)/2 {
			lo = int32(v)
		}
		if seen > n/2 {
			up = int32(v)
			break
		}
	}
	return (float64(lo) + float64(up)) / 2
}

// churnSamples builds features and labels at cutoff (a day number) for the
// customers ids with a visit before it; ratios are the rule's days-since ÷
// median interval.
func churnSamples(hist *histories, customers []int32, gaps gapsByEnd, cutoff int32) (x [][]float64, y, ratios []float64) {
	shop := gaps.shopMedian(cutoff)
	var scratch []int32
	var flat []float64 // feature rows share backing arrays
	for _, c := range customers {
		days, revs := hist.visits(c)
		n, _ := slices.BinarySearch(days, cutoff)
		if n == 0 {
			continue
		}
		since := float64(cutoff - days[n-1])
		med := shop
		if n >= 2 {
			scratch = scratch[:0]
			for i := 1; i < n; i++ {
				scratch = append(scratch, days[i]-days[i-1])
			}
			med = medianInts(scratch)
		}
		ratio := math.Min(since/math.Max(med, 1), 10)
		visits, revenue := 0.0, 0.0
		for i := range n {
			if cutoff-days[i] <= 365 {
				visits, revenue = visits+1, revenue+revs[i]
			}
		}
		label := 1.0
		if n < len(days) && days[n] < cutoff+int32(churnHorizon.Hours()/24) {
			label = 0
		}
		if len(flat)+4 > cap(flat) {
			flat = make([]float64, 0, 4*1024)
		}
		flat = append(flat, math.Log1p(since), visits, math.Log1p(math.Max(revenue, 0)), ratio)
		x = append(x, flat[len(flat)-4:len(flat):len(flat)])
		y, ratios = append(y, label), append(ratios, ratio)
	}
	return x, y, ratios
}

// medianInts is the median of v (reordered in place; not empty).
func medianInts(v []int32) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return float64(v[n/2])
	}
	return (float64(v[n/2-1]) + float64(v[n/2])) / 2
}

// Logistic is a fitted logistic regression on standardised features.
type Logistic struct {
	Coef      []float64 // intercept first, then one per feature
	mean, std []float64
}

// FitLogistic fits y ∈ {0, 1} on x by iteratively reweighted least
// squares (Newton's method) with a small ridge for stability. The design
// matrix is one flat row-major slice; each iteration is one pass over it.
func FitLogistic(x [][]float64, y []float64) (*Logistic, error) {
	m := &Logistic{}
	m.standardise(x)
	n, k := len(x), len(x[0])+1
	design := make([]float64, n*k)
	for i, row := range x {
		r := design[i*k : (i+1)*k]
		r[0] = 1
		for j, v := range row {
			r[j+1] = (v - m.mean[j]) / m.std[j]
		}
	}
	beta := make([]float64, k)
	hess := make([]float64, k*k)
	grad := make([]float64, k)
	for range 25 {
		clear(hess)
		clear(grad)
		for i := range n {
			r := design[i*k : (i+1)*k]
			z := 0.0
			for a, v := range r {
				z += v * beta[a]
			}
			p := sigmoid(z)
			w, e := math.Max(p*(1-p), 1e-9), y[i]-p
			for a, va := range r {
				grad[a] += e * va
				wa := w * va
				h := hess[a*k : (a+1)*k]
				for b := a; b < k; b++ {
					h[b] += wa * r[b]
				}
			}
		}
		sym := mat.NewSymDense(k, nil)
		for a := range k {
			for b := a; b < k; b++ {
				sym.SetSym(a, b, hess[a*k+b])
			}
			sym.SetSym(a, a, hess[a*k+a]+1e-6)
		}
		var step mat.VecDense
		if err := step.SolveVec(sym, mat.NewVecDense(k, grad)); err != nil {
			return nil, fmt.Errorf("logistic regression: %w", err)
		}
		for a := range k {
			beta[a] += step.AtVec(a)
		}
		if mat.Norm(&step, 2) < 1e-8 {
			break
		}
	}
	m.Coef = beta
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

// dayStrings formats day numbers as YYYY-MM-DD, each distinct day once
// (a table of 100,000 customers has a few hundred distinct last visits).
type dayStrings map[int32]string

func (m dayStrings) get(d int32) string {
	s, ok := m[d]
	if !ok {
		s = time.Unix(int64(d)*86400, 0).UTC().Format(time.DateOnly)
		m[d] = s
	}
	return s
}
