package oltp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Replica sends the API's list and report reads (read-only routes whose
// path does not end in a parameter: collections, not the single records
// a client reads to get an ETag for its next write) to a hot standby.
//
// A request may name the position it must see, min_lsn=LSN in the query
// or an X-CCH-LSN header (the header of an earlier write's response,
// echoed back): it waits, at most MaxWait, until the standby has replayed
// that position, and otherwise reads from the primary. Every such read
// says where it was served in X-CCH-Read-From (replica or primary) and,
// when the primary stood in, why in X-CCH-Replica-Fallback.
type Replica struct {
	pool    *pgxpool.Pool
	primary *pgxpool.Pool
	// MaxWait bounds how long a read waits for the standby to replay its
	// min_lsn. Default 2s.
	MaxWait time.Duration
	lag     atomic.Pointer[ReplicaLag]
	metrics replicaMetrics
}

// ReplicaLag is one measurement of how far the standby trails the primary.
type ReplicaLag struct {
	Bytes   int64         // WAL the primary has written that the standby has not replayed
	Seconds time.Duration // age of the last replayed transaction while behind; 0 when caught up
	At      time.Time
	Err     error // the standby or the primary could not be asked
}

type replicaMetrics struct {
	reads        *prometheus.CounterVec
	lagBytes     prometheus.Gauge
	lagSeconds   prometheus.Gauge
	waitDuration prometheus.Histogram
}

// NewReplica serves reads from the standby's pool; reg (may be nil)
// receives cch_replica_* metrics. API.UseReplica attaches it to the API,
// whose pool is the primary it measures lag against and falls back to.
func NewReplica(standby *pgxpool.Pool, reg prometheus.Registerer) *Replica {
	r := &Replica{pool: standby, MaxWait: 2 * time.Second}
	r.metrics = replicaMetrics{
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cch_replica_reads_total",
			Help: "List and report reads by where they were served (replica, primary) and why the primary stood in"}, []string{"served_by", "reason"}),
		lagBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_replica_lag_bytes",
			Help: "WAL bytes the primary has written that the standby has not replayed"}),
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_replica_lag_seconds",
			Help: "Age of the standby's last replayed transaction while it is behind the primary; 0 when caught up"}),
		waitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cch_replica_min_lsn_wait_seconds",
			Help: "Time reads with min_lsn waited for the standby", Buckets: []float64{.001, .005, .01, .05, .1, .25, .5, 1, 2, 5}}),
	}
	if reg != nil {
		reg.MustRegister(r.metrics.reads, r.metrics.lagBytes, r.metrics.lagSeconds, r.metrics.waitDuration)
	}
	return r
}

// UseReplica sends the API's list and report reads to r. Call it before
// serving and before r.Run.
func (a *API) UseReplica(r *Replica) {
	r.primary = a.pool
	a.replica = r
}

// Pool is the standby's pool.
func (r *Replica) Pool() *pgxpool.Pool { return r.pool }

// onReplica reports whether route r is a list or report read.
func onReplica(r Route, readOnly bool) bool {
	if !readOnly || r.Method != http.MethodGet {
		return false
	}
	last := r.Path[strings.LastIndex(r.Path, "/")+1:]
	return !strings.HasPrefix(last, ":")
}

// pick chooses the pool a list or report read runs on and sets the
// headers that say so.
func (r *Replica) pick(c *gin.Context) (*pgxpool.Pool, error) {
	want := c.Query("min_lsn")
	if want == "" {
		want = c.GetHeader("X-CCH-LSN")
	}
	reason := ""
	if want != "" {
		if !validLSN(want) {
			return nil, BadRequest("min_lsn (or X-CCH-LSN) must be a PostgreSQL LSN such as 0/16B3748")
		}
		start := time.Now()
		reason = r.waitReplay(c.Request.Context(), want)
		r.metrics.waitDuration.Observe(time.Since(start).Seconds())
	} else if l := r.lag.Load(); l != nil && l.Err != nil && time.Since(l.At) < 5*time.Second {
		reason = "replica unreachable"
	}
	if reason != "" {
		c.Header("X-CCH-Read-From", "primary")
		c.Header("X-CCH-Replica-Fallback", reason)
		r.metrics.reads.WithLabelValues("primary", strings.TrimSuffix(strings.Fields(reason)[0], ":")).Inc()
		return r.primary, nil
	}
	c.Header("X-CCH-Read-From", "replica")
	r.metrics.reads.WithLabelValues("replica", "").Inc()
	return r.pool, nil
}

// validLSN accepts the text form of pg_lsn: two hexadecimal numbers of
// at most 8 digits separated by a slash.
func validLSN(s string) bool {
	hi, lo, ok := strings.Cut(s, "/")
	isHex := func(p string) bool {
		return p != "" && len(p) <= 8 && strings.Trim(strings.ToUpper(p), "0123456789ABCDEF") == ""
	}
	return ok && isHex(hi) && isHex(lo)
}

// waitReplay waits until the standby has replayed lsn, at most MaxWait.
// It returns "" when it has, else why the primary must serve the read.
func (r *Replica) waitReplay(ctx context.Context, lsn string) string {
	ctx, cancel := context.WithTimeout(ctx, r.MaxWait)
	defer cancel()
	for {
		var done bool
		err := r.pool.QueryRow(ctx, "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)", lsn).Scan(&done)
		switch {
		case err == nil && done:
			return ""
		case err != nil && ctx.Err() == nil:
			return "replica unreachable: " + err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Sprintf("lag: the replica had not replayed %s within %s", lsn, r.MaxWait)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Run measures the lag every interval until ctx ends.
func (r *Replica) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		r.measure(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (r *Replica) measure(ctx context.Context) ReplicaLag {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	l := ReplicaLag{At: time.Now()}
	var primaryLSN string
	var secs float64
	if l.Err = r.primary.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&primaryLSN); l.Err == nil {
		l.Err = r.pool.QueryRow(ctx, `SELECT greatest(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint,
			CASE WHEN pg_last_wal_replay_lsn() >= $1::pg_lsn THEN 0
			     ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8`, primaryLSN).Scan(&l.Bytes, &secs)
	}
	if l.Err == nil && secs < 0 {
		secs = 0
	}
	l.Seconds = time.Duration(secs * float64(time.Second))
	if l.Err == nil {
		r.metrics.lagBytes.Set(float64(l.Bytes))
		r.metrics.lagSeconds.Set(l.Seconds.Seconds())
	}
	r.lag.Store(&l)
	return l
}

// Check is a readiness check: the standby answers and trails the primary
// by at most maxLag.
func (r *Replica) Check(maxLag time.Duration) Check {
	return Check{Name: "replica", Fn: func(ctx context.Context) error {
		l := r.measure(ctx)
		switch {
		case l.Err != nil:
			return fmt.Errorf("replica: %w", l.Err)
		case l.Seconds > maxLag:
			return fmt.Errorf("replica lags %s (%d bytes), over %s", l.Seconds.Round(time.Millisecond), l.Bytes, maxLag)
		}
		return nil
	}}
}

// poolFor is the pool a request of route r runs on: the replica's for a
// list or report read when one is configured, else the primary's.
func (a *API) poolFor(c *gin.Context, r Route, readOnly bool) (*pgxpool.Pool, error) {
	if a.replica == nil || !onReplica(r, readOnly) {
		return a.pool, nil
	}
	return a.replica.pick(c)
}

// standbyFailed reports whether err, from a read on the standby, is the
// standby's failure (it could not be reached, went away, is shutting
// down or starting up: SQLSTATE classes 08, 57 and 53) rather than the
// request's: such a read is served by the primary instead.
func standbyFailed(err error) bool {
	var apiErr *Error
	var pgErr *pgconn.PgError
	switch {
	case err == nil, errors.As(err, &apiErr), errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57") || strings.HasPrefix(pgErr.Code, "53")
	}
	return true
}

// fallBack marks a read the primary serves after the standby failed.
func (r *Replica) fallBack(c *gin.Context, err error) {
	c.Header("X-CCH-Read-From", "primary")
	c.Header("X-CCH-Replica-Fallback", "replica unreachable: "+err.Error())
	r.metrics.reads.WithLabelValues("primary", "replica").Inc()
}
