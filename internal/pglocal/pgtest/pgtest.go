// Package pgtest gives each test binary one throwaway local PostgreSQL
// cluster (in a temp dir, on a free port) and each test a fresh database.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// and in a test:
//
//	url := pgtest.NewDatabase(t) // superuser URL of a new, empty database
package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carcarehub/cch/internal/pglocal"
)

var (
	cluster *pglocal.Cluster
	seq     atomic.Int64
)

// Main starts the cluster, runs the tests and removes the cluster. It
// returns the exit code for os.Exit.
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cch-pgtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The server may run as another OS user (root → postgres): let it in.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cluster, err = pglocal.Start(ctx, pglocal.Config{Dir: dir, Fast: true})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: start cluster:", err)
		return 1
	}
	code := m.Run()
	stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cluster.Stop(stopCtx); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: stop cluster:", err)
	}
	return code
}

// Cluster returns the test binary's cluster; Main must be running.
func Cluster(tb testing.TB) *pglocal.Cluster {
	tb.Helper()
	if cluster == nil {
		tb.Fatal("pgtest: no cluster; call pgtest.Main from TestMain")
	}
	return cluster
}

// NewDatabase creates an empty database for this test, drops it when the
// test ends, and returns its superuser connection URL.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	c := Cluster(tb)
	name := fmt.Sprintf("t%d_%s", seq.Add(1), sanitize(tb.Name()))
	if len(name) > 60 {
		name = name[:60]
	}
	ctx := context.Background()
	if err := c.CreateDatabase(ctx, name); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := c.DropDatabase(context.Background(), name); err != nil {
			tb.Logf("pgtest: %v", err)
		}
	})
	return c.SuperuserURL(name)
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '_'
	}, s)
}
