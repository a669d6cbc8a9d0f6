package warehouse

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// serviceMetrics are the warehouse's own metrics (the stream registers
// the cch_cdc_* ones). They read the current generation, so they survive
// a rebuild.
type serviceMetrics struct {
	rebuilding  prometheus.Gauge
	rebuilds    prometheus.Counter
	refreshTime prometheus.Histogram
	refreshes   *prometheus.CounterVec
	lastRefresh prometheus.Gauge
}

func (s *Service) registerMetrics() error {
	m := &serviceMetrics{
		rebuilding: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_warehouse_rebuilding",
			Help: "1 while the warehouse rebuilds into a new file after its replication slot was lost."}),
		rebuilds: prometheus.NewCounter(prometheus.CounterOpts{Name: "cch_warehouse_rebuilds_total",
			Help: "Rebuilds completed after a lost replication slot."}),
		refreshTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cch_mart_refresh_duration_seconds",
			Help: "Time of one mart refresh (every mart a batch touched, one DuckDB transaction).", Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 10)}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cch_mart_refreshes_total",
			Help: "Mart refreshes by outcome (ok, error)."}, []string{"outcome"}),
		lastRefresh: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_mart_last_refresh_timestamp_seconds",
			Help: "Unix time the last mart refresh succeeded."}),
	}
	s.metrics = m
	if s.cfg.Registerer == nil {
		return nil
	}
	staleness := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cch_mart_staleness_seconds",
		Help: "How long the oldest change applied to the mirrors has waited to reach the marts; 0 when they are current."},
		func() float64 { return s.gen.Load().marts.Staleness().Seconds() })
	for _, c := range []prometheus.Collector{m.rebuilding, m.rebuilds, m.refreshTime, m.refreshes, m.lastRefresh, staleness, martRows{s.db}} {
		if err := s.cfg.Registerer.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// observeRefresh is the Refresher's Observe hook.
func (m *serviceMetrics) observeRefresh(took time.Duration, _ int, err error) {
	if err != nil {
		m.refreshes.WithLabelValues("error").Inc()
		return
	}
	m.refreshes.WithLabelValues("ok").Inc()
	m.refreshTime.Observe(took.Seconds())
	m.lastRefresh.SetToCurrentTime()
}

// martRows exports each mart table's row count (DuckDB's estimate, read
// from the catalogue at scrape time) as cch_mart_rows{mart}.
type martRows struct{ db *DB }

var martRowsDesc = prometheus.NewDesc("cch_mart_rows", "Rows in a mart table (DuckDB's catalogue estimate).", []string{"mart"}, nil)

func (martRows) Describe(ch chan<- *prometheus.Desc) { ch <- martRowsDesc }

func (c martRows) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := c.db.QueryContext(ctx, "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'mart'")
	if err != nil {
		ch <- prometheus.NewInvalidMetric(martRowsDesc, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(martRowsDesc, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(martRowsDesc, prometheus.GaugeValue, float64(n), name)
	}
}
