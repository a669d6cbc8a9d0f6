package notify_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/carcarehub/cch/oltp/notify"
	"github.com/carcarehub/cch/oltp/oltptest"
)

func TestOutboxCollectorReportsDepthAndAge(t *testing.T) {
	e := oltptest.New(t)
	ctx := t.Context()
	pool, err := pgxpool.New(ctx, e.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := e.Admin.Exec(ctx, "DELETE FROM core.notification"); err != nil {
		t.Fatal(err)
	}
	// Three pending (two due: one for an hour, one for a minute; one due
	// tomorrow), one failed, one sent.
	if _, err := e.Admin.Exec(ctx, `INSERT INTO core.notification (organisation_id, recipient_customer_id, kind, channel, status, due_at)
		VALUES ($1, $3, 'other', 'email', 'pending', now() - interval '1 hour'),
		       ($1, $3, 'other', 'email', 'pending', now() - interval '1 minute'),
		       ($1, $3, 'other', 'email', 'pending', now() + interval '1 day'),
		       ($2, $4, 'other', 'email', 'failed', now() - interval '2 days'),
		       ($1, $3, 'other', 'email', 'sent', now() - interval '3 days')`, e.Fix.Org, e.Fix.OtherOrg, e.Fix.Customer, e.Fix.OtherCustomer); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(&notify.OutboxCollector{Pool: pool})
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "/" + l.GetValue()
			}
			got[key] = m.GetGauge().GetValue()
		}
	}
	for key, want := range map[string]float64{"cch_outbox_notifications/pending": 3,
		"cch_outbox_notifications/sending": 0, "cch_outbox_notifications/failed": 1} {
		if v, ok := got[key]; !ok || v != want {
			t.Errorf("%s = %v (present %v), want %v", key, v, ok, want)
		}
	}
	if age, ok := got["cch_outbox_oldest_due_seconds"]; !ok || age < 3590 || age > 3700 {
		t.Errorf("oldest due age %v s (present %v), want about an hour", age, ok)
	}
}
