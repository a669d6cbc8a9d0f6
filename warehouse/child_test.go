package warehouse_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/carcarehub/cch/warehouse"
)

// childEnv makes the test binary run a pipeline instead of tests, so the
// crash test can SIGKILL a real warehouse process.
const childEnv = "CCH_WAREHOUSE_TEST_CHILD"

func runChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	db, err := warehouse.Open(ctx, os.Getenv("CCH_CHILD_DUCKDB"), warehouse.Options{MemoryLimit: "1GB", Threads: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	cfg := testConfig(os.Getenv("CCH_CHILD_URL"), os.Getenv("CCH_CHILD_NAME"))
	cfg.BatchRows = 5_000
	svc, err := warehouse.NewService(ctx, db, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := svc.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
