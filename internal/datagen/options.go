package datagen

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"
	_ "time/tzdata" // Europe/London without relying on the host's zoneinfo
)

// Options configures a generated dataset. The zero value of every field
// has a documented default (see withDefaults).
type Options struct {
	// Seed selects the dataset; the same Seed and sizes give the same rows.
	// Default 1.
	Seed uint64
	// Months of history, counted back from End (End's month included).
	// Default 24.
	Months int
	// Branches of the main organisation (the first is also the chauffeur
	// base). Default 4.
	Branches int
	// BookingsPerMonth is the minimum number of workshop bookings of the
	// main organisation in every month (seasonality only adds). Default
	// 10000.
	BookingsPerMonth int
	// End is the last day of generated history (its date in Europe/London
	// matters, not its time). Default 2026-10-31.
	End time.Time
	// Anchor is the day the dataset is loaded ("today"): when set, history
	// ends the day before it (End is ignored) and the forward book starts
	// on it. Default: unset (End decides).
	Anchor time.Time
	// FutureDays of bookings and rides already made after End
	// (booked/confirmed, reminders pending) and rota shifts. Default 14;
	// negative means none.
	FutureDays int
	// Audit selects how audited tables are loaded: AuditRows (default)
	// keeps every audit trigger on; AuditSummary replaces per-row entries
	// by one BULK_LOAD entry per table chunk.
	Audit AuditMode
	// Progress receives a one-line progress display (table, rows, rate),
	// typically a terminal; nil shows nothing.
	Progress io.Writer
}

const timezone = "Europe/London"

// AuditMode says how the per-row audit triggers are treated during a load.
type AuditMode string

const (
	// AuditRows leaves every trigger on: one hash-chained audit entry per
	// inserted row of an audited table (faithful, about 0.2 ms per row).
	AuditRows AuditMode = "rows"
	// AuditSummary switches the audit_capture trigger off inside each load
	// transaction of an audited table and writes one BULK_LOAD entry per
	// organisation and chunk through audit.append_entry instead. Every
	// other trigger and constraint stays on. For full-size benchmark loads.
	AuditSummary AuditMode = "summary"
)

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Months == 0 {
		o.Months = 24
	}
	if o.Branches == 0 {
		o.Branches = 4
	}
	if o.BookingsPerMonth == 0 {
		o.BookingsPerMonth = 10000
	}
	if o.FutureDays == 0 {
		o.FutureDays = 14
	}
	if o.FutureDays < 0 {
		o.FutureDays = 0
	}
	if o.Audit == "" {
		o.Audit = AuditRows
	}
	if !o.Anchor.IsZero() {
		y, m, d := o.Anchor.Date()
		o.End = time.Date(y, m, d-1, 0, 0, 0, 0, time.UTC)
	}
	if o.End.IsZero() {
		o.End = time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	}
	return o
}

// Validate reports every problem of o (after defaults) at once.
func (o Options) Validate() error {
	o = o.withDefaults()
	var errs []error
	if o.Months < 1 || o.Months > 120 {
		errs = append(errs, fmt.Errorf("months %d: want 1..120", o.Months))
	}
	if o.Branches < 1 || o.Branches > 50 {
		errs = append(errs, fmt.Errorf("branches %d: want 1..50", o.Branches))
	}
	if o.BookingsPerMonth < 10 || o.BookingsPerMonth > 1_000_000 {
		errs = append(errs, fmt.Errorf("bookings per month %d: want 10..1000000", o.BookingsPerMonth))
	}
	if o.FutureDays > 60 {
		errs = append(errs, fmt.Errorf("future days %d: want at most 60", o.FutureDays))
	}
	if o.Audit != AuditRows && o.Audit != AuditSummary {
		errs = append(errs, fmt.Errorf("audit mode %q: want %q or %q", o.Audit, AuditRows, AuditSummary))
	}
	return errors.Join(errs...)
}

// calendar anchors the dataset in Europe/London.
type calendar struct {
	loc   *time.Location
	start time.Time // first day of the first month, 00:00 local
	end   time.Time // the day after End, 00:00 local: nothing happens at or after it
	month []time.Time
}

func newCalendar(o Options) (calendar, error) {
	loc, err := time.LoadLocation(timezone)
	if err != nil {
		return calendar{}, fmt.Errorf("load time zone: %w", err)
	}
	y, m, d := o.End.Date()
	end := time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	first := time.Date(y, m-time.Month(o.Months-1), 1, 0, 0, 0, 0, loc)
	c := calendar{loc: loc, start: first, end: end}
	for i := range o.Months {
		c.month = append(c.month, time.Date(y, m-time.Month(o.Months-1-i), 1, 0, 0, 0, 0, loc))
	}
	return c, nil
}

// monthEnd is the first instant after month i (capped at the dataset end).
func (c calendar) monthEnd(i int) time.Time {
	next := c.month[i].AddDate(0, 1, 0)
	if next.After(c.end) {
		return c.end
	}
	return next
}

// at is day plus a local clock time given in minutes after midnight.
func (c calendar) at(day time.Time, minutes int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, minutes, 0, 0, c.loc)
}

func nopLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
