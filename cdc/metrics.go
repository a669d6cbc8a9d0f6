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
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.lagSeconds, m.lagBytes, m.retainedWAL, m.rows, m.batchRows, m.batchTime, m.reconnects} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("register cdc metrics: %w", err)
			}
		}
	}
	return m, nil
}
