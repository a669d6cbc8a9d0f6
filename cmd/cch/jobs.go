package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/carcarehub/cch/audit"
	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/chauffeur"
	"github.com/carcarehub/cch/oltp/notify"
)

// jobs are the periodic and queued jobs of `cch worker` (and of `cch dev`,
// which runs the same part): the notification outbox with the booking
// reminders, chauffeur auto-dispatch for every organisation, and monthly
// partitions created ahead of time, and (given a key and file) signed
// audit checkpoints of every organisation. Any number of workers may run at
// once: notifications and rides are claimed with FOR UPDATE SKIP LOCKED,
// a booking's reminder is queued by one UPDATE that re-checks it, and
// partition maintenance runs under a transaction-level advisory lock that
// a second worker does not wait for.
type jobs struct {
	Pool            *pgxpool.Pool // cch_worker: bypasses row-level security, member of cch_dispatcher
	Webhook         string        // where the outbox POSTs; empty = queue only
	Secret          []byte        // HMAC key of X-CCH-Signature
	NotifyEvery     time.Duration // outbox poll interval
	DispatchEvery   time.Duration // auto-dispatch pass interval
	PartitionsAhead int           // months of partitions kept ahead of now
	PartitionsEvery time.Duration // partition maintenance interval
	Log             *slog.Logger
	AuditKey        string        // HMAC key file of audit checkpoints; empty = none written
	AuditFile       string        // append-only checkpoint file
	AuditEvery      time.Duration // audit checkpoint interval
	ArchiveDir      string        // cch archive's directory; erasures are brought to it. Empty = none
	ArchiveEvery    time.Duration // how often erasures are checked against the archive
}

// partitionLockKey is the advisory lock of partition maintenance ("cchpart").
const partitionLockKey int64 = 0x6363687061727400

// Run runs every job until ctx ends; a failed round is logged and retried
// at the next tick.
func (j *jobs) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	run := func(fn func(context.Context) error) {
		wg.Add(1)
		go func() { defer wg.Done(); _ = fn(ctx) }()
	}
	run((&notify.Worker{Pool: j.Pool, URL: j.Webhook, Secret: j.Secret, Log: j.Log, Every: j.NotifyEvery}).Run)
	run(func(ctx context.Context) error { return j.every(ctx, "auto-dispatch", j.DispatchEvery, j.dispatchAll) })
	run(func(ctx context.Context) error {
		return j.every(ctx, "partition maintenance", j.PartitionsEvery, j.ensurePartitions)
	})
	if j.AuditKey != "" {
		run(func(ctx context.Context) error {
			return j.every(ctx, "audit checkpoint", j.AuditEvery, j.auditCheckpoint)
		})
	}
	if j.ArchiveDir != "" {
		run(func(ctx context.Context) error {
			return j.every(ctx, "archive erasure", j.ArchiveEvery, j.archiveErasures)
		})
	}
	wg.Wait()
	return nil
}

// auditCheckpoint signs the head of every organisation's audit chain and
// appends them to the checkpoint file (audit.AppendFile locks it, so
// several workers may share it).
func (j *jobs) auditCheckpoint(ctx context.Context) error {
	cps, created, err := audit.WriteCheckpoint(ctx, j.Pool, j.AuditKey, j.AuditFile, 0)
	if created {
		j.Log.Warn("created audit key: keep it outside the database and back it up", "file", j.AuditKey)
	}
	if err == nil {
		j.Log.Debug("audit checkpoint", "organisations", len(cps), "file", j.AuditFile)
	}
	return err
}

// every runs fn now and then at each tick until ctx ends.
func (j *jobs) every(ctx context.Context, name string, d time.Duration, fn func(context.Context) error) error {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			j.Log.Warn(name+" failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// ensurePartitions creates the monthly partitions up to PartitionsAhead
// months ahead (core.ensure_partitions), unless another worker is at it.
func (j *jobs) ensurePartitions(ctx context.Context) error {
	return pgx.BeginFunc(ctx, j.Pool, func(tx pgx.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", partitionLockKey).Scan(&mine); err != nil || !mine {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT core.ensure_partitions($1, 0)", j.PartitionsAhead)
		if err != nil {
			return err
		}
		created, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("ensure partitions: %w", err)
		}
		if len(created) > 0 {
			j.Log.Info("partitions created", "count", len(created), "months_ahead", j.PartitionsAhead)
		}
		return nil
	})
}

// dispatchAll makes one auto-dispatch pass per organisation, acting as the
// organisation's first dispatcher (row-level security keeps each pass in
// its organisation).
func (j *jobs) dispatchAll(ctx context.Context) error {
	principals, err := dispatchers(ctx, j.Pool)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range principals {
		n, err := (&chauffeur.Worker{Pool: j.Pool, Principal: p, Log: j.Log}).Dispatch(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("organisation %d: %w", p.OrganisationID, err))
		} else if n > 0 {
			j.Log.Info("auto-dispatch pass", "organisation", p.OrganisationID, "dispatched", n)
		}
	}
	return errors.Join(errs...)
}

// dispatchers returns, per organisation, its first dispatcher with every
// branch of the organisation.
func dispatchers(ctx context.Context, pool *pgxpool.Pool) ([]oltp.Principal, error) {
	rows, err := pool.Query(ctx, `SELECT DISTINCT ON (r.organisation_id) r.staff_id, r.organisation_id,
		  (SELECT array_agg(b.id ORDER BY b.id) FROM core.branch b WHERE b.organisation_id = r.organisation_id)
		FROM core.staff_role r WHERE r.role = 'dispatcher' ORDER BY r.organisation_id, r.staff_id`)
	if err != nil {
		return nil, fmt.Errorf("find dispatchers: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (oltp.Principal, error) {
		p := oltp.Principal{Role: "dispatcher"}
		err := r.Scan(&p.StaffID, &p.OrganisationID, &p.BranchIDs)
		return p, err
	})
}
