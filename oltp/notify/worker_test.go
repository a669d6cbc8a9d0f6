package notify_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/oltp/notify"
	"github.com/carcarehub/cch/oltp/oltptest"
)

type receiver struct {
	mu       sync.Mutex
	failNext int
	got      []notify.Message
	badSig   int
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if notify.Sign([]byte("s3cret"), r.Header.Get("X-CCH-Timestamp"), body) != r.Header.Get("X-CCH-Signature") {
		rc.badSig++
	}
	if rc.failNext > 0 {
		rc.failNext--
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	var m notify.Message
	json.Unmarshal(body, &m)
	rc.got = append(rc.got, m)
}

func TestOutboxDeliversSignedWithRetries(t *testing.T) {
	e := oltptest.New(t)
	ctx := t.Context()
	// A booking starting in 20 hours: its reminder (24 h ahead) is due now.
	start := time.Now().Add(20 * time.Hour).UTC().Truncate(time.Minute)
	if _, err := e.Admin.Exec(ctx, `INSERT INTO workshop.booking (organisation_id, branch_id, customer_id, vehicle_id, period, channel, status, reminder_due_at)
		VALUES ($1, $2, $3, $4, tstzrange($5::timestamptz, $5::timestamptz + interval '1 hour'), 'phone', 'booked', $5 - interval '24 hours')`,
		e.Fix.Org, e.Fix.Branch, e.Fix.Customer, e.Fix.Vehicle, start); err != nil {
		t.Fatal(err)
	}
	rc := &receiver{failNext: 1}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	pool, err := pgxpool.New(ctx, e.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	w := &notify.Worker{Pool: pool, URL: hook.URL, Secret: []byte("s3cret")}
	if sent, err := w.Round(ctx); err != nil || sent != 0 {
		t.Fatalf("first round: sent %d, err %v (the webhook fails once)", sent, err)
	}
	var attempts int
	var due time.Time
	e.Admin.QueryRow(ctx, `SELECT attempts, due_at FROM core.notification WHERE kind = 'booking_reminder'`).Scan(&attempts, &due)
	if attempts != 1 || time.Until(due) < 5*time.Second {
		t.Fatalf("after a failure: attempts %d, next try in %s", attempts, time.Until(due))
	}
	// Not due yet: nothing is sent; then make it due.
	if sent, _ := w.Round(ctx); sent != 0 {
		t.Fatalf("sent %d before the backoff elapsed", sent)
	}
	e.Admin.Exec(ctx, `UPDATE core.notification SET due_at = now()`)
	if sent, err := w.Round(ctx); err != nil || sent != 1 {
		t.Fatalf("retry round: sent %d, err %v", sent, err)
	}
	// The reminder is queued once: further rounds send nothing new.
	if sent, _ := w.Round(ctx); sent != 0 {
		t.Errorf("reminder sent again")
	}
	if len(rc.got) != 1 || rc.got[0].Kind != "booking_reminder" || rc.got[0].ID == 0 || rc.got[0].Attempt != 2 || rc.badSig != 0 {
		t.Errorf("received %+v, bad signatures %d", rc.got, rc.badSig)
	}
	var status string
	e.Admin.QueryRow(ctx, `SELECT status::text FROM core.notification`).Scan(&status)
	if status != "sent" {
		t.Errorf("status %s, want sent", status)
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 4: 80 * time.Second, 20: time.Hour} {
		if got := notify.Backoff(n); got != want {
			t.Errorf("Backoff(%d) = %s, want %s", n, got, want)
		}
	}
}
