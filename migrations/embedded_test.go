package migrations_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

// TestEmbeddedMigrationsHaveNoDrift is the acceptance check of the schema:
// the embedded migrations, applied to an empty database, produce exactly
// what schema.hcl declares; applying them again is a no-op.
func TestEmbeddedMigrationsHaveNoDrift(t *testing.T) {
	const hcl = "../schema.hcl"
	if _, err := os.Stat(hcl); errors.Is(err, fs.ErrNotExist) {
		t.Skip("../schema.hcl does not exist yet: nothing to compare the embedded migrations with")
	}
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	if _, err := migrations.Apply(ctx, url, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	if again, err := migrations.Apply(ctx, url, testLogger(t)); err != nil || len(again) != 0 {
		t.Fatalf("second apply = %v, %v; want no-op", again, err)
	}
	st, err := migrations.StatusOf(ctx, url)
	if err != nil || len(st.Pending) != 0 {
		t.Fatalf("status = %+v, %v; want nothing pending", st, err)
	}
	drift, err := migrations.Drift(ctx, url, hcl)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) > 0 {
		t.Fatalf("%d difference(s) between the migrated database and schema.hcl (run `cch migrate diff NAME`):\n%s",
			len(drift), strings.Join(drift, "\n"))
	}
}
