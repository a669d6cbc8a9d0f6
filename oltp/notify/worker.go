package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Worker delivers the outbox. Zero durations take the documented defaults.
type Worker struct {
	Pool     *pgxpool.Pool
	URL      string // webhook receiving POSTs; empty = queue reminders only, deliver nothing
	Secret   []byte // HMAC-SHA256 key for X-CCH-Signature
	Client   *http.Client
	Log      *slog.Logger
	Every    time.Duration // poll interval, default 2s
	Batch    int           // notifications claimed per round, default 50
	MaxTries int           // attempts before a notification is marked failed, default 8
}

// Message is the JSON body POSTed to the webhook.
type Message struct {
	ID             int64           `json:"id"`
	Kind           string          `json:"kind"`
	OrganisationID int64           `json:"organisation_id"`
	BranchID       *int64          `json:"branch_id"`
	Channel        string          `json:"channel"`
	CustomerID     *int64          `json:"recipient_customer_id"`
	StaffID        *int64          `json:"recipient_staff_id"`
	Subject        *string         `json:"subject"`
	Payload        json.RawMessage `json:"payload"`
	Attempt        int             `json:"attempt"`
}

func (w *Worker) defaults() {
	if w.Every == 0 {
		w.Every = 2 * time.Second
	}
	if w.Batch == 0 {
		w.Batch = 50
	}
	if w.MaxTries == 0 {
		w.MaxTries = 8
	}
	if w.Client == nil {
		w.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
}

// Run polls until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	t := time.NewTicker(w.Every)
	defer t.Stop()
	for {
		if _, err := w.Round(ctx); err != nil && ctx.Err() == nil {
			w.Log.Warn("notification round failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Round queues due reminders and delivers one batch; it returns how many
// notifications were delivered.
func (w *Worker) Round(ctx context.Context) (sent int, err error) {
	w.defaults()
	if _, err := w.Pool.Exec(ctx, queueRemindersSQL); err != nil {
		return 0, fmt.Errorf("queue reminders: %w", err)
	}
	if w.URL == "" {
		return 0, nil
	}
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	msgs, err := claim(ctx, tx, w.Batch)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if derr := w.deliver(ctx, m); derr != nil {
			err = w.retryLater(ctx, tx, m, derr)
		} else {
			sent++
			_, err = tx.Exec(ctx, `UPDATE core.notification SET status = 'sent', sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1`, m.ID)
		}
		if err != nil {
			return 0, err
		}
	}
	return sent, tx.Commit(ctx)
}

// queueRemindersSQL turns bookings whose reminder is due into notifications,
// once: reminder_sent_at marks the booking as queued.
const queueRemindersSQL = `
WITH due AS (
  UPDATE workshop.booking b SET reminder_sent_at = now()
  WHERE b.reminder_due_at <= now() AND b.reminder_sent_at IS NULL AND b.status IN ('booked', 'confirmed')
    AND lower(b.period) > now()
  RETURNING b.id, b.organisation_id, b.branch_id, b.customer_id, lower(b.period) AS starts_at
)
INSERT INTO core.notification (organisation_id, branch_id, kind, channel, recipient_customer_id, subject, payload)
SELECT organisation_id, branch_id, 'booking_reminder', 'email', customer_id, 'Your service appointment tomorrow',
  jsonb_build_object('booking_id', id, 'starts_at', starts_at)
FROM due`

func claim(ctx context.Context, tx pgx.Tx, n int) ([]Message, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind::text, organisation_id, branch_id, channel::text, recipient_customer_id,
		recipient_staff_id, subject, payload, attempts + 1 FROM core.notification
		WHERE status = 'pending' AND due_at <= now() ORDER BY due_at LIMIT $1 FOR UPDATE SKIP LOCKED`, n)
	if err != nil {
		return nil, fmt.Errorf("claim notifications: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) {
		var m Message
		err := r.Scan(&m.ID, &m.Kind, &m.OrganisationID, &m.BranchID, &m.Channel, &m.CustomerID, &m.StaffID, &m.Subject, &m.Payload, &m.Attempt)
		return m, err
	})
}

// Sign returns the X-CCH-Signature value of body sent at ts.
func Sign(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (w *Worker) deliver(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CCH-Notification-Id", strconv.FormatInt(m.ID, 10))
	req.Header.Set("X-CCH-Timestamp", ts)
	req.Header.Set("X-CCH-Signature", Sign(w.Secret, ts, body))
	resp, err := w.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// Backoff is the delay before attempt n+1 after n failed attempts:
// 10 s doubling, capped at one hour.
func Backoff(n int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (w *Worker) retryLater(ctx context.Context, tx pgx.Tx, m Message, cause error) error {
	status := "pending"
	if m.Attempt >= w.MaxTries {
		status = "failed"
	}
	w.Log.Warn("notification delivery failed", "id", m.ID, "attempt", m.Attempt, "error", cause)
	_, err := tx.Exec(ctx, `UPDATE core.notification SET attempts = attempts + 1, status = $2::core.notification_status,
		last_error = left($3, 500), due_at = now() + make_interval(secs => $4) WHERE id = $1`,
		m.ID, status, cause.Error(), Backoff(m.Attempt).Seconds())
	return errors.Join(err)
}
