package oltp_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/oltptest"
)

// The pool collector reports checked-out connections and the wait of an
// acquisition that found the pool empty.
func TestPoolCollectorReportsUseAndWaits(t *testing.T) {
	e := oltptest.New(t)
	ctx := context.Background()
	u, _ := url.Parse(e.AdminURL)
	u.User = url.UserPassword("cch_app", oltptest.AppPassword)
	pool, err := oltp.OpenPool(ctx, u.String(), oltp.PoolConfig{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(oltp.NewPoolCollector(pool, "test"))
	values := func() map[string]float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, mf := range mfs {
			m := mf.GetMetric()[0]
			if m.GetLabel()[0].GetValue() != "test" {
				t.Errorf("%s labelled %v", mf.GetName(), m.GetLabel())
			}
			out[mf.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
		return out
	}
	held, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v := values(); v["cch_pg_pool_acquired_conns"] != 1 || v["cch_pg_pool_max_conns"] != 1 {
		t.Errorf("with one connection held: %v", v)
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		held.Release()
	}()
	second, err := pool.Acquire(ctx) // waits for the first
	if err != nil {
		t.Fatal(err)
	}
	second.Release()
	v := values()
	if v["cch_pg_pool_acquire_waits_total"] < 1 || v["cch_pg_pool_acquire_wait_seconds_total"] < 0.1 ||
		v["cch_pg_pool_acquires_total"] < 2 || v["cch_pg_pool_acquired_conns"] != 0 || v["cch_pg_pool_idle_conns"] != 1 {
		t.Errorf("after a waited acquisition: %v", v)
	}
}
