package analyst

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/oltp"
)

// Metrics counts and times analyst queries by path ("sql" for POST
// /v1/sql, "flight" for Flight SQL) and outcome: ok, rejected (a 4xx:
// not a SELECT, bad SQL, forbidden), timeout, error. Safe for concurrent
// use; nil records nothing.
type Metrics struct {
	queries  *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the analyst query metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cch_analyst_queries_total",
			Help: "Analyst SQL queries by path (sql, flight) and outcome (ok, rejected, timeout, error)."}, []string{"path", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cch_analyst_query_duration_seconds",
			Help:    "Analyst SQL query time by path, including the answer's encoding for /v1/sql.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"path"}),
	}
	for _, c := range []prometheus.Collector{m.queries, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one query that started at start and ended with status.
func (m *Metrics) observe(path string, start time.Time, status int) {
	if m == nil {
		return
	}
	outcome := "ok"
	switch {
	case status == http.StatusGatewayTimeout:
		outcome = "timeout"
	case status >= 500:
		outcome = "error"
	case status >= 400:
		outcome = "rejected"
	}
	m.queries.WithLabelValues(path, outcome).Inc()
	m.duration.WithLabelValues(path).Observe(time.Since(start).Seconds())
}

// statusOf is the HTTP status an analyst query error maps to.
func statusOf(err error) int {
	var oe *oltp.Error
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &oe):
		return oe.Status
	}
	return http.StatusInternalServerError
}

// Measured is the Flight SQL server's Querier: the handler's QueryArrow, counted
// and timed under path "flight".
type Measured struct {
	*Handler
	M *Metrics
}

// QueryArrow runs the query on the handler and records it.
func (q Measured) QueryArrow(ctx context.Context, p oltp.Principal, query string, args ...any) (*ArrowResult, error) {
	start := time.Now()
	res, err := q.Handler.QueryArrow(ctx, p, query, args...)
	q.M.observe("flight", start, statusOf(err))
	return res, err
}
