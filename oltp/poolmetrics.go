package oltp

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// PoolCollector exports a pgx pool's statistics (pgxpool.Stat) at scrape
// time, labelled pool=<name>. Safe for concurrent use.
type PoolCollector struct {
	pool                                   *pgxpool.Pool
	acquired, idle, total, max             *prometheus.Desc
	acquires, waits, waitSeconds, canceled *prometheus.Desc
	acquireSeconds                         *prometheus.Desc
	name                                   string
}

var _ prometheus.Collector = (*PoolCollector)(nil)

// NewPoolCollector returns the collector of pool's statistics.
func NewPoolCollector(pool *pgxpool.Pool, name string) *PoolCollector {
	l := []string{"pool"}
	d := func(n, help string) *prometheus.Desc { return prometheus.NewDesc("cch_pg_pool_"+n, help, l, nil) }
	return &PoolCollector{pool: pool, name: name,
		acquired:       d("acquired_conns", "Connections currently checked out of the pool."),
		idle:           d("idle_conns", "Idle connections in the pool."),
		total:          d("total_conns", "Open connections (acquired, idle and being opened)."),
		max:            d("max_conns", "The pool's connection limit."),
		acquires:       d("acquires_total", "Successful connection acquisitions."),
		waits:          d("acquire_waits_total", "Acquisitions that had to wait for a connection (none was idle)."),
		waitSeconds:    d("acquire_wait_seconds_total", "Time acquisitions spent waiting because no connection was idle."),
		acquireSeconds: d("acquire_seconds_total", "Total time spent acquiring connections (waits included)."),
		canceled:       d("acquire_canceled_total", "Acquisitions cancelled by their context."),
	}
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.max, c.acquires, c.waits, c.waitSeconds, c.acquireSeconds, c.canceled} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	g := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, c.name)
	}
	n := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, c.name)
	}
	g(c.acquired, float64(s.AcquiredConns()))
	g(c.idle, float64(s.IdleConns()))
	g(c.total, float64(s.TotalConns()))
	g(c.max, float64(s.MaxConns()))
	n(c.acquires, float64(s.AcquireCount()))
	n(c.waits, float64(s.EmptyAcquireCount()))
	n(c.waitSeconds, s.EmptyAcquireWaitTime().Seconds())
	n(c.acquireSeconds, s.AcquireDuration().Seconds())
	n(c.canceled, float64(s.CanceledAcquireCount()))
}
