package bench

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestSSELoad: the suite runs small — 20 dashboard streams beside the API
// of a real `cch dev` — every stream says hello and receives updates as
// writes land, and /v1 latencies are measured in both phases.
func TestSSELoad(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "cch-bench-sse-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // cch dev runs its PostgreSQL as the postgres user
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin, err := BuildCch(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	figs, res, err := SSELoad(ctx, SSEConfig{Bin: bin, Dir: dir, Streams: 20, Clients: 2, Duration: 3 * time.Second},
		func(msg string, kv ...any) { t.Log(append([]any{msg}, kv...)...) })
	if err != nil {
		log, _ := os.ReadFile(dir + "/dev.log")
		t.Fatalf("%v\n%s", err, log)
	}
	if res.Streams != 20 || res.Updates == 0 || res.IdleSamples == 0 || res.StreamSamples == 0 || res.Writes < 4 {
		t.Fatalf("result %+v", res)
	}
	if len(figs) != 1 || figs[0].Value <= 0 || figs[0].Baseline <= 0 {
		t.Fatalf("figures %+v", figs)
	}
}
