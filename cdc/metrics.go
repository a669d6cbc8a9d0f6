package cdc

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	lagSeconds  prometheus.Gauge
	lagBytes    prometheus.Gauge
	retainedWAL prometheus.Gauge
	rows        *prometheus.CounterVec
	batchRows   prometheus.Histogram
	batchTime   prometheus.Histogram
	reconnects  prometheus.Counter
	streaming   prometheus.Gauge
	slotLost    prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_cdc_lag_seconds",
			Help: "Age of the last applied source commit while changes are pending; 0 when caught up."}),
		lagBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_cdc_lag_bytes",
			Help: "Server WAL end minus the durably applied LSN."}),
		retainedWAL: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_cdc_slot_retained_wal_bytes",
			Help: "WAL the slot keeps on the primary (current WAL LSN minus restart_lsn)."}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cch_cdc_rows_applied_total",
			Help: "Row changes applied to the warehouse."}, []string{"table", "op"}),
		batchRows: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cch_cdc_batch_rows",
			Help: "Row changes per applied batch.", Buckets: prometheus.ExponentialBuckets(1, 4, 10)}),
		batchTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cch_cdc_batch_seconds",
			Help: "Time to apply a batch.", Buckets: prometheus.ExponentialBuckets(0.001, 3, 10)}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{Name: "cch_cdc_reconnects_total",
			Help: "Replication sessions that ended and were retried."}),
		streaming: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_cdc_streaming",
			Help: "1 while a replication session is streaming, 0 while disconnected or snapshotting."}),
		slotLost: prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_cdc_slot_lost",
			Help: "1 when the stream stopped because PostgreSQL invalidated its slot (wal_status 'lost')."}),
	}
	if reg == nil {
		return m, nil
	}
	// A second Stream on the same registry (a warehouse rebuilding into a
	// new file) takes over the registered collectors.
	adopt := func(c prometheus.Collector) (prometheus.Collector, error) {
		err := reg.Register(c)
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector, nil
		}
		if err != nil {
			return nil, fmt.Errorf("register cdc metrics: %w", err)
		}
		return c, nil
	}
	var err error
	for _, p := range []*prometheus.Gauge{&m.lagSeconds, &m.lagBytes, &m.retainedWAL, &m.streaming, &m.slotLost} {
		if err = adoptAs(adopt, p); err != nil {
			return nil, err
		}
	}
	for _, p := range []*prometheus.Histogram{&m.batchRows, &m.batchTime} {
		if err = adoptAs(adopt, p); err != nil {
			return nil, err
		}
	}
	if err = adoptAs(adopt, &m.rows); err != nil {
		return nil, err
	}
	if err = adoptAs(adopt, &m.reconnects); err != nil {
		return nil, err
	}
	return m, nil
}

// adoptAs registers *p and replaces it with the collector the registry
// holds under its name.
func adoptAs[T prometheus.Collector](adopt func(prometheus.Collector) (prometheus.Collector, error), p *T) error {
	c, err := adopt(*p)
	if err != nil {
		return err
	}
	t, ok := c.(T)
	if !ok {
		return fmt.Errorf("register cdc metrics: %T is registered under the name of a %T", c, *p)
	}
	*p = t
	return nil
}
