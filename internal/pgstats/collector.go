package pgstats

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector reads pg_stat_statements and pg_locks at scrape time. Any
// role sees the counters of every statement and every lock (only other
// roles' statement texts need pg_read_all_stats, and they are not read).
// Safe for concurrent use.
//
// pg_stat_statements may be absent (not in shared_preload_libraries, or
// CREATE EXTENSION not run in the database): cch_pg_stat_statements_available
// is then 0 and the statement metrics are left out; lock metrics are
// always exported.
type Collector struct {
	Pool *pgxpool.Pool
	// SlowThreshold: a statement whose mean execution time exceeds it
	// counts in cch_pg_slow_statements. Default 500ms.
	SlowThreshold time.Duration
	// MinCalls: statements called fewer times are not judged. Default 5.
	MinCalls int
	// Timeout bounds one scrape. Default 2s.
	Timeout time.Duration
}

var _ prometheus.Collector = (*Collector)(nil)

var (
	descAvailable = prometheus.NewDesc("cch_pg_stat_statements_available",
		"1 when pg_stat_statements is loaded and created in the database, else 0.", nil, nil)
	descCalls = prometheus.NewDesc("cch_pg_statements_calls_total",
		"Calls of all statements pg_stat_statements tracks in this database.", nil, nil)
	descExec = prometheus.NewDesc("cch_pg_statements_exec_seconds_total",
		"Execution time of all statements pg_stat_statements tracks in this database.", nil, nil)
	descSlow = prometheus.NewDesc("cch_pg_slow_statements",
		"Statements (with enough calls) whose mean execution time exceeds the collector's threshold.", nil, nil)
	descSlowest = prometheus.NewDesc("cch_pg_statement_mean_seconds_max",
		"The highest mean execution time of a statement (with enough calls).", nil, nil)
	descLockWaits = prometheus.NewDesc("cch_pg_lock_waits",
		"Lock requests currently waiting (pg_locks, not granted).", nil, nil)
	descLockOldest = prometheus.NewDesc("cch_pg_lock_wait_oldest_seconds",
		"How long the longest-waiting lock request has waited; 0 when none waits.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAvailable, descCalls, descExec, descSlow, descSlowest, descLockWaits, descLockOldest} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c.collectLocks(ctx, ch)
	c.collectStatements(ctx, ch)
}

const locksSQL = `
SELECT count(*), coalesce(extract(epoch FROM max(now() - waitstart)), 0)::float8
FROM pg_locks WHERE NOT granted`

func (c *Collector) collectLocks(ctx context.Context, ch chan<- prometheus.Metric) {
	var n int64
	var oldest float64
	if err := c.Pool.QueryRow(ctx, locksSQL).Scan(&n, &oldest); err != nil {
		ch <- prometheus.NewInvalidMetric(descLockWaits, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descLockWaits, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(descLockOldest, prometheus.GaugeValue, oldest)
}

// statementsSQL reads the view through its schema-qualified name found in
// the catalogue, so the extension may live in any schema.
const statementsSQL = `
SELECT coalesce(sum(calls), 0)::float8, coalesce(sum(total_exec_time), 0)::float8 / 1000,
       count(*) FILTER (WHERE calls >= $2 AND mean_exec_time > $1),
       coalesce(max(mean_exec_time) FILTER (WHERE calls >= $2), 0)::float8 / 1000
FROM %s WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`

func (c *Collector) collectStatements(ctx context.Context, ch chan<- prometheus.Metric) {
	view, ok := c.statementsView(ctx)
	if !ok {
		ch <- prometheus.MustNewConstMetric(descAvailable, prometheus.GaugeValue, 0)
		return
	}
	slow := c.SlowThreshold
	if slow <= 0 {
		slow = 500 * time.Millisecond
	}
	minCalls := c.MinCalls
	if minCalls <= 0 {
		minCalls = 5
	}
	var calls, exec, slowest float64
	var nSlow int64
	err := c.Pool.QueryRow(ctx, fmt.Sprintf(statementsSQL, view), float64(slow.Microseconds())/1000, minCalls).
		Scan(&calls, &exec, &nSlow, &slowest)
	if err != nil { // e.g. created but not in shared_preload_libraries
		ch <- prometheus.MustNewConstMetric(descAvailable, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descAvailable, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(descCalls, prometheus.CounterValue, calls)
	ch <- prometheus.MustNewConstMetric(descExec, prometheus.CounterValue, exec)
	ch <- prometheus.MustNewConstMetric(descSlow, prometheus.GaugeValue, float64(nSlow))
	ch <- prometheus.MustNewConstMetric(descSlowest, prometheus.GaugeValue, slowest)
}

// statementsView is the quoted, schema-qualified pg_stat_statements view
// when the extension is created in the database.
func (c *Collector) statementsView(ctx context.Context) (string, bool) {
	var view *string
	err := c.Pool.QueryRow(ctx, `SELECT format('%I.pg_stat_statements', n.nspname)
		FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'`).Scan(&view)
	if err != nil || view == nil {
		return "", false
	}
	return *view, true
}
