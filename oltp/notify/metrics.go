package notify

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// OutboxCollector exports the notification outbox's depth and age at
// scrape time: cch_outbox_notifications{status} for pending, sending and
// failed rows, and cch_outbox_oldest_due_seconds, how long the oldest
// pending notification has been due (0 when none is). Its pool must see
// every organisation's notifications (the worker's role, which bypasses
// row-level security). Safe for concurrent use.
type OutboxCollector struct {
	Pool *pgxpool.Pool
	// Timeout bounds one scrape's query. Default 2s.
	Timeout time.Duration
}

var (
	outboxDepth = prometheus.NewDesc("cch_outbox_notifications",
		"Notifications in the outbox by status (pending, sending, failed).", []string{"status"}, nil)
	outboxAge = prometheus.NewDesc("cch_outbox_oldest_due_seconds",
		"How long the oldest pending notification has been due; 0 when none is due.", nil, nil)
)

var _ prometheus.Collector = (*OutboxCollector)(nil)

// Describe implements prometheus.Collector.
func (c *OutboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepth
	ch <- outboxAge
}

// The pending count and age read notification_due_idx (partial on
// status = 'pending').
const outboxSQL = `
SELECT s.status::text, coalesce(n.count, 0)
FROM unnest(ARRAY['pending', 'sending', 'failed']::core.notification_status[]) AS s(status)
LEFT JOIN (SELECT status, count(*) FROM core.notification
           WHERE status IN ('pending', 'sending', 'failed') GROUP BY status) n ON n.status = s.status
UNION ALL
SELECT 'oldest_due', coalesce(extract(epoch FROM now() - min(due_at)), 0)::bigint
FROM core.notification WHERE status = 'pending' AND due_at <= now()`

// Collect implements prometheus.Collector.
func (c *OutboxCollector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rows, err := c.Pool.Query(ctx, outboxSQL)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDepth, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var n int64
		if err := rows.Scan(&key, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(outboxDepth, err)
			return
		}
		if key == "oldest_due" {
			ch <- prometheus.MustNewConstMetric(outboxAge, prometheus.GaugeValue, float64(n))
			continue
		}
		ch <- prometheus.MustNewConstMetric(outboxDepth, prometheus.GaugeValue, float64(n), key)
	}
	if err := rows.Err(); err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDepth, err)
	}
}
