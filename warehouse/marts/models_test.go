package marts_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/carcarehub/cch/warehouse/marts"
)

// trendWeek is 10 + 0.5 t plus a fixed weekly pattern.
func trendWeek(n int) []float64 {
	pattern := []float64{5, 3, 0, -2, -6, 4, -4}
	y := make([]float64, n)
	for t := range y {
		y[t] = 10 + 0.5*float64(t) + pattern[t%7]
	}
	return y
}

func TestHoltWintersBeatsSeasonalNaiveOnTrend(t *testing.T) {
	y := trendWeek(70)
	train, test := y[:56], y[56:]
	// Seasonal naïve lags the trend by one week (3.5) on days 1–7 and two
	// weeks (7) on days 8–14: MAE 5.25, RMSE √30.625.
	mae, rmse := marts.Accuracy(test, marts.SeasonalNaive(train, 14))
	if math.Abs(mae-5.25) > 1e-9 || math.Abs(rmse-math.Sqrt(30.625)) > 1e-9 {
		t.Errorf("seasonal naive: mae %v rmse %v", mae, rmse)
	}
	hw, err := marts.FitHoltWinters(train)
	if err != nil {
		t.Fatal(err)
	}
	if mae, rmse := marts.Accuracy(test, hw.Forecast(14)); mae > 0.5 || rmse > 0.5 {
		t.Errorf("holt-winters: mae %v rmse %v (α %v β %v γ %v)", mae, rmse, hw.Alpha, hw.Beta, hw.Gamma)
	}
	if _, err := marts.FitHoltWinters(y[:10]); err == nil {
		t.Error("fitted fewer than two seasons")
	}
}

func TestLogisticRegression(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var x [][]float64
	var y []float64
	for range 2000 {
		a, b := r.NormFloat64(), r.NormFloat64()
		p := 1 / (1 + math.Exp(-(0.5 + 2*a - 1*b)))
		label := 0.0
		if r.Float64() < p {
			label = 1
		}
		x, y = append(x, []float64{a, b, 0, 0}), append(y, label)
	}
	m, err := marts.FitLogistic(x, y)
	if err != nil {
		t.Fatal(err)
	}
	// Features are standardised (σ ≈ 1 here), so the coefficients come back.
	for i, want := range []float64{0.5, 2, -1} {
		if math.Abs(m.Coef[i]-want) > 0.2 {
			t.Errorf("coef %d = %.3f, want ≈ %v (%s)", i, m.Coef[i], want, m)
		}
	}
	if p := m.Predict([]float64{2, -2, 0, 0}); p < 0.95 {
		t.Errorf("P(churn) for a clear case = %v", p)
	}
}

func TestForecastChoiceByRollingOrigin(t *testing.T) {
	chosen := func(scores []marts.ForecastScore) marts.ForecastScore {
		for _, s := range scores {
			if s.Chosen {
				return s
			}
		}
		t.Fatal("no model chosen")
		return marts.ForecastScore{}
	}
	t.Run("a trend beats seasonal naive", func(t *testing.T) {
		// 70 days: origins 42, 49, 56, 63. Naïve lags the trend by a week
		// (3.5) on every forecast day: MAE 3.5.
		scores := marts.ChooseForecast(trendWeek(70))
		if len(scores) != 3 || scores[0].Method != "seasonal_naive" || scores[0].Origins != 4 || scores[0].Days != 28 ||
			scores[0].TrainDays != 42 || math.Abs(scores[0].MAE-3.5) > 1e-9 {
			t.Fatalf("scores = %+v", scores)
		}
		if c := chosen(scores); c.Method == "seasonal_naive" || c.MAE > 0.5 {
			t.Errorf("chosen %s with MAE %v", c.Method, c.MAE)
		}
	})
	t.Run("a repeating week keeps seasonal naive", func(t *testing.T) {
		y := make([]float64, 35)
		for i := range y {
			y[i] = []float64{9, 7, 8, 6, 12, 3, 0}[i%7]
		}
		scores := marts.ChooseForecast(y) // origins 14, 21, 28
		if c := chosen(scores); c.Method != "seasonal_naive" || c.MAE != 0 || c.Origins != 3 {
			t.Errorf("chosen %+v", c)
		}
	})
	t.Run("too short to score", func(t *testing.T) {
		if s := marts.ChooseForecast(trendWeek(20)); s != nil {
			t.Errorf("scores on 20 days: %+v", s)
		}
	})
}

func TestDampedTrendFlattens(t *testing.T) {
	m, err := marts.FitDampedHoltWinters(trendWeek(56))
	if err != nil {
		t.Fatal(err)
	}
	if m.Phi >= 1 || m.Phi <= 0 {
		t.Fatalf("φ = %v", m.Phi)
	}
	// A damped trend adds less each day: week 2's rise over week 1 is
	// below the undamped 3.5 a week.
	f := m.Forecast(14)
	if rise := (f[13] - f[6]); rise >= 3.5 {
		t.Errorf("damped forecast rises %v in a week", rise)
	}
}
