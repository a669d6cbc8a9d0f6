package marts

import (
	"context"
	"fmt"
	"math"
	"time"
)

// season is the Holt-Winters season: a week of days.
const season = 7

// holdoutDays are the held-out days the forecast is scored on.
const holdoutDays = 14

// HoltWinters is an additive Holt-Winters model with a weekly season and
// a trend damped by Phi (1: undamped).
type HoltWinters struct {
	Alpha, Beta, Gamma, Phi float64
	level, trend            float64
	seasonal                []float64
	n                       int // observations fitted
}

// FitHoltWinters fits y (at least two seasons) with the smoothing
// parameters that minimise the one-step-ahead squared error over a grid.
func FitHoltWinters(y []float64) (*HoltWinters, error) {
	return fitGrid(y, []float64{1})
}

// FitDampedHoltWinters is FitHoltWinters with a damped trend: the
// damping φ is chosen from a grid with the other parameters.
func FitDampedHoltWinters(y []float64) (*HoltWinters, error) {
	return fitGrid(y, []float64{0.8, 0.9, 0.98})
}

func fitGrid(y []float64, phis []float64) (*HoltWinters, error) {
	if len(y) < 2*season {
		return nil, fmt.Errorf("holt-winters: %d observations, need %d", len(y), 2*season)
	}
	var best *HoltWinters
	bestSSE := math.Inf(1)
	for _, phi := range phis {
		for _, a := range []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9} {
			for _, b := range []float64{0, 0.01, 0.05, 0.1, 0.2} {
				for _, g := range []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.7} {
					m := &HoltWinters{Alpha: a, Beta: b, Gamma: g, Phi: phi}
					if sse := m.fit(y); sse < bestSSE {
						best, bestSSE = m, sse
					}
				}
			}
		}
	}
	return best, nil
}

// Refit runs m's parameters over y (at least two seasons) afresh.
func (m *HoltWinters) Refit(y []float64) *HoltWinters {
	r := &HoltWinters{Alpha: m.Alpha, Beta: m.Beta, Gamma: m.Gamma, Phi: m.Phi}
	r.fit(y)
	return r
}

// fit initialises from the first two seasons, runs the updates over y and
// returns the one-step squared error after the first season.
func (m *HoltWinters) fit(y []float64) float64 {
	first, second := mean(y[:season]), mean(y[season:2*season])
	m.level, m.trend = first, (second-first)/season
	m.seasonal = make([]float64, season)
	for i := range season {
		m.seasonal[i] = y[i] - first
	}
	sse := 0.0
	for t, v := range y {
		s := m.seasonal[t%season]
		if t >= season {
			e := v - (m.level + m.Phi*m.trend + s)
			sse += e * e
		}
		level := m.Alpha*(v-s) + (1-m.Alpha)*(m.level+m.Phi*m.trend)
		m.trend = m.Beta*(level-m.level) + (1-m.Beta)*m.Phi*m.trend
		m.seasonal[t%season] = m.Gamma*(v-level) + (1-m.Gamma)*s
		m.level = level
	}
	m.n = len(y)
	return sse
}

// Forecast returns the next h values after the fitted series.
func (m *HoltWinters) Forecast(h int) []float64 {
	out := make([]float64, h)
	damped := 0.0 // φ + φ² + … + φ^(i+1)
	for i := range h {
		damped = m.Phi * (1 + damped)
		out[i] = m.level + damped*m.trend + m.seasonal[(m.n+i)%season]
	}
	return out
}

// SeasonalNaive forecasts h values after y by repeating its last season.
func SeasonalNaive(y []float64, h int) []float64 {
	out := make([]float64, h)
	for i := range h {
		out[i] = y[len(y)-season+i%season]
	}
	return out
}

// Accuracy returns the mean absolute and root mean squared errors.
func Accuracy(actual, forecast []float64) (mae, rmse float64) {
	for i, a := range actual {
		e := a - forecast[i]
		mae += math.Abs(e)
		rmse += e * e
	}
	n := float64(len(actual))
	return mae / n, math.Sqrt(rmse / n)
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// fromFirstBooking drops the days before the branch's first booking, so a
// window reaching back before the data does not fit a run of zeros.
func fromFirstBooking(y []float64) []float64 {
	for i, v := range y {
		if v != 0 {
			return y[i:]
		}
	}
	return nil
}

// nonNegative clamps forecasts of counts at zero.
func nonNegative(v []float64) []float64 {
	for i := range v {
		v[i] = math.Max(v[i], 0)
	}
	return v
}

type branchSeries struct {
	branch int64
	y      []float64
}

// dailyBookings is bookings per branch and local day (by planned start)
// over [From, To), days without bookings as 0.
func dailyBookings(ctx context.Context, q Querier, p Params) ([]branchSeries, error) {
	rows, err := q.QueryContext(ctx, `SELECT branch_id, day, sum(bookings) FROM mart.booking_outcomes
		WHERE organisation_id = $org AND mart.in_scope(branch_id, $branches) AND day >= $from AND day < $to
		GROUP BY ALL ORDER BY branch_id, day`, namedArgs(p, "org", "branches", "from", "to")...)
	if err != nil {
		return nil, fmt.Errorf("daily bookings: %w", err)
	}
	defer rows.Close()
	days := int(p.To.Sub(p.From).Hours()/24 + 0.5)
	var out []branchSeries
	for rows.Next() {
		var b int64
		var day time.Time
		var n float64
		if err := rows.Scan(&b, &day, &n); err != nil {
			return nil, fmt.Errorf("daily bookings: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].branch != b {
			out = append(out, branchSeries{branch: b, y: make([]float64, days)})
		}
		if i := int(day.Sub(p.From).Hours()/24 + 0.5); i >= 0 && i < days {
			out[len(out)-1].y[i] = n
		}
	}
	return out, rows.Err()
}
