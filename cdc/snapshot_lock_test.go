package cdc_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// gateSink is a Sink in memory whose first Apply waits for open: the
// snapshot is then held mid-copy, with the tables it has read locked.
type gateSink struct {
	entered  chan struct{}
	open     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	rows     int
	sessions int // replication sessions started (each asks for the position)
}

func (s *gateSink) Position(context.Context) (cdc.Position, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions++
	return cdc.Position{}, nil
}

func (s *gateSink) Reset(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = 0
	return nil
}

func (s *gateSink) Apply(ctx context.Context, b *cdc.Batch) error {
	s.once.Do(func() {
		close(s.entered)
		select {
		case <-s.open:
		case <-ctx.Done():
		}
	})
	s.mu.Lock()
	s.rows += len(b.Changes)
	s.mu.Unlock()
	return nil
}

// TestSnapshotAndPartitionDDLDoNotDeadlock: while the initial snapshot is
// copying, DDL locks two published tables in oid order, as
// core.ensure_partitions does when a first start creates partitions. The
// table created first has the later name, so a copy that locked table by
// table in name order would hold the second table while waiting for the
// first, and the DDL's second lock would deadlock with it. The snapshot
// locks every table up front in oid order instead: the DDL waits for the
// snapshot, and both complete.
func TestSnapshotAndPartitionDDLDoNotDeadlock(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{"CREATE TABLE public.zz_first (id int PRIMARY KEY)", "CREATE TABLE public.aa_second (id int PRIMARY KEY)",
		"INSERT INTO public.zz_first VALUES (1)", "INSERT INTO public.aa_second VALUES (2)"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	sink := &gateSink{entered: make(chan struct{}), open: make(chan struct{})}
	st, err := cdc.NewStream(cdc.Config{URL: url, Slot: "lock_order", Publication: "lock_order", CreatePublication: true,
		BatchRows: 1, StatusInterval: 200 * time.Millisecond, HeartbeatInterval: 200 * time.Millisecond}, sink)
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	go st.Run(runCtx)
	t.Cleanup(func() {
		cancel()
		<-st.Done()
		_, _ = conn.Exec(context.Background(), "SELECT pg_drop_replication_slot('lock_order')")
	})
	select {
	case <-sink.entered:
	case <-time.After(time.Minute):
		t.Fatal("the snapshot never applied a row")
	}

	// DDL in oid order: zz_first, then aa_second.
	ddlErr := make(chan error, 1)
	go func() {
		ddl, err := pgx.Connect(ctx, url)
		if err != nil {
			ddlErr <- err
			return
		}
		defer ddl.Close(ctx)
		_, err = ddl.Exec(ctx, `BEGIN; LOCK TABLE public.zz_first IN ACCESS EXCLUSIVE MODE;
			LOCK TABLE public.aa_second IN ACCESS EXCLUSIVE MODE; COMMIT`)
		ddlErr <- err
	}()
	// Let the DDL take or queue for its first lock, then let the copy go on.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE relation = 'public.zz_first'::regclass AND mode = 'AccessExclusiveLock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the DDL never asked for its first lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(sink.open)
	select {
	case err := <-ddlErr:
		if err != nil {
			t.Fatalf("the DDL failed: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the DDL did not complete")
	}
	select {
	case <-st.Ready():
	case <-st.Done():
		t.Fatalf("stream stopped: %v", st.Err())
	case <-time.After(30 * time.Second):
		t.Fatal("the snapshot did not complete")
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.sessions != 1 || sink.rows != 2 {
		t.Errorf("%d replication sessions and %d rows, want 1 and 2: the snapshot failed and started over", sink.sessions, sink.rows)
	}
}
