package marts

import (
	"context"
	"math"
)

// Forecast model choice: every candidate is scored by rolling-origin
// hold-out error: from each of the last maxOrigins weekly origins (each
// leaving at least two seasons to train on) it forecasts the next week
// from the days before the origin only; MAE and RMSE are over every
// forecast day. The candidate with the lowest MAE is chosen (the simpler
// one on a tie, in candidate order), and forecasts the next week from all
// the data.

// maxOrigins is how many weekly forecast origins score a model.
const maxOrigins = 4

// ForecastScore is one candidate's rolling-origin score.
type ForecastScore struct {
	Method        string
	TrainDays     int // days before the first origin
	Origins, Days int // forecast origins and days scored
	MAE, RMSE     float64
	Chosen        bool
	Alpha, Beta   *float64
	Gamma, Phi    *float64
	Next          []float64 // the next season from all the data
	forecast      func(train []float64, h int) []float64
}

// forecastCandidates are the models tried, simplest first. Holt-Winters
// parameters are chosen on the data before the first origin and kept.
func forecastCandidates(y []float64, firstOrigin int) []*ForecastScore {
	naive := &ForecastScore{Method: "seasonal_naive", forecast: SeasonalNaive}
	out := []*ForecastScore{naive}
	for _, c := range []struct {
		method string
		fit    func([]float64) (*HoltWinters, error)
	}{{"holt_winters", FitHoltWinters}, {"holt_winters_damped", FitDampedHoltWinters}} {
		m, err := c.fit(y[:firstOrigin])
		if err != nil {
			continue
		}
		out = append(out, &ForecastScore{Method: c.method, Alpha: &m.Alpha, Beta: &m.Beta, Gamma: &m.Gamma, Phi: &m.Phi,
			forecast: func(train []float64, h int) []float64 { return nonNegative(m.Refit(train).Forecast(h)) }})
	}
	return out
}

// ChooseForecast scores the candidate models on y by rolling origin and
// marks the one with the lowest MAE; nil when y has too few days for one
// origin.
func ChooseForecast(y []float64) []ForecastScore {
	var origins []int
	for k := maxOrigins; k >= 1; k-- {
		if o := len(y) - k*season; o >= 2*season {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		return nil
	}
	cands := forecastCandidates(y, origins[0])
	best := 0
	out := make([]ForecastScore, len(cands))
	for i, c := range cands {
		var actual, predicted []float64
		for _, o := range origins {
			actual = append(actual, y[o:o+season]...)
			predicted = append(predicted, c.forecast(y[:o], season)...)
		}
		c.MAE, c.RMSE = Accuracy(actual, predicted)
		c.TrainDays, c.Origins, c.Days = origins[0], len(origins), len(actual)
		c.Next = c.forecast(y, season)
		if c.MAE < out[best].MAE-1e-12 && i > 0 {
			best = i
		}
		out[i] = *c
	}
	out[best].Chosen = true
	return out
}

// bookingForecast chooses, per branch, among seasonal naïve, Holt-Winters
// and damped Holt-Winters by rolling-origin error over the weeks before
// To, and gives each model's error beside the chosen one's forecast.
func bookingForecast(ctx context.Context, q Querier, p Params) (*Table, error) {
	series, err := dailyBookings(ctx, q, p)
	if err != nil {
		return nil, err
	}
	t := &Table{Columns: []Column{{"branch_id", "BIGINT"}, {"method", "VARCHAR"}, {"chosen", "BOOLEAN"},
		{"train_days", "INTEGER"}, {"origins", "INTEGER"}, {"holdout_days", "INTEGER"}, {"mae", "DOUBLE"}, {"rmse", "DOUBLE"},
		{"naive_mae", "DOUBLE"}, {"alpha", "DOUBLE"}, {"beta", "DOUBLE"}, {"gamma", "DOUBLE"}, {"phi", "DOUBLE"},
		{"next_7_days", "DOUBLE[]"}}, Rows: [][]any{}}
	for _, s := range series {
		scores := ChooseForecast(fromFirstBooking(s.y))
		for _, c := range scores {
			t.Rows = append(t.Rows, []any{s.branch, c.Method, c.Chosen, c.TrainDays, c.Origins, c.Days, c.MAE, c.RMSE,
				scores[0].MAE, deref(c.Alpha), deref(c.Beta), deref(c.Gamma), deref(c.Phi), c.Next})
		}
	}
	return t, nil
}

// deref is *v, or nil for a nil pointer (a SQL NULL in a Table).
func deref(v *float64) any {
	if v == nil || math.IsNaN(*v) {
		return nil
	}
	return *v
}
