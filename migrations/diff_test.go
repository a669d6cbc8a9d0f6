package migrations_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
	"github.com/carcarehub/cch/migrations"
)

// tinySchema exercises what normalization must reconcile: a partial index
// with IN (...), a check, an enum, a default expression and a foreign key.
const tinySchema = `
schema "core" {}

enum "booking_status" {
  schema = schema.core
  values = ["requested", "confirmed", "done"]
}

table "bay" {
  schema = schema.core
  column "id" {
    type = bigint
  }
  primary_key {
    columns = [column.id]
  }
}

table "booking" {
  schema = schema.core
  column "id" {
    type = bigint
    identity {
      generated = BY_DEFAULT
    }
  }
  column "bay_id" {
    type = bigint
  }
  column "during" {
    type = tstzrange
  }
  column "status" {
    type    = enum.booking_status
    default = "requested"
  }
  column "notes" {
    type = text
    null = true
  }
  column "price" {
    type    = numeric(12, 2)
    default = 0
  }
  column "created_at" {
    type    = timestamptz
    default = sql("now()")
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "booking_bay_fk" {
    columns     = [column.bay_id]
    ref_columns = [table.bay.column.id]
    on_delete   = RESTRICT
  }
  check "booking_price_nonneg" {
    expr = "price >= 0"
  }
  // Serves: open bookings of a bay.
  index "booking_open_idx" {
    columns = [column.bay_id]
    where   = "status IN ('requested', 'confirmed')"
  }
}
`

// handWritten owns what Atlas HCL cannot: the extension and the exclusion
// constraint (which Atlas inspects as an index schema.hcl lacks).
const (
	extensionsSQL = "CREATE EXTENSION IF NOT EXISTS btree_gist;\n"
	exclusionSQL  = `ALTER TABLE core.booking ADD CONSTRAINT booking_no_overlap
	EXCLUDE USING gist (bay_id WITH =, during WITH &&);
`
)

func fixedNow(s string) func() time.Time {
	return func() time.Time { t, _ := time.Parse("20060102150405", s); return t }
}

func TestDiffThenDriftEmpty(t *testing.T) {
	ctx := context.Background()
	devURL := pgtest.NewDatabase(t)
	dir := writeDir(t, map[string]string{"20260101000000_extensions.sql": extensionsSQL})
	hcl := filepath.Join(t.TempDir(), "schema.hcl")
	writeFile(t, hcl, tinySchema)
	opts := migrations.DiffOptions{Name: "init", Dir: dir, SchemaFile: hcl, DevURL: devURL,
		Now: fixedNow("20260102000000"), Log: testLogger(t)}

	file, err := migrations.Diff(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "20260102000000_init.sql"); file != want {
		t.Fatalf("diff wrote %q, want %q", file, want)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s:\n%s", file, body)
	if !strings.Contains(string(body), `CREATE TABLE "core"."booking"`) {
		t.Fatalf("generated file lacks core.booking:\n%s", body)
	}
	// The hand-written exclusion constraint follows the generated table.
	writeFile(t, filepath.Join(dir, "20260102000001_booking_exclusion.sql"), exclusionSQL)
	if err := migrations.Hash(dir); err != nil {
		t.Fatal(err)
	}

	url := pgtest.NewDatabase(t)
	if _, err := migrations.ApplyDir(ctx, url, openDir(t, dir), testLogger(t)); err != nil {
		t.Fatal(err)
	}
	drift, err := migrations.Drift(ctx, url, hcl)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) != 0 {
		t.Fatalf("drift after applying the generated migration:\n%s", strings.Join(drift, "\n"))
	}

	// Nothing left to generate: Diff says so and writes nothing.
	opts.Name = "again"
	if file, err := migrations.Diff(ctx, opts); err != nil || file != "" {
		t.Fatalf("second diff = %q, %v; want no file", file, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "20260102000002_again.sql")); !os.IsNotExist(err) {
		t.Fatalf("second diff wrote a file: %v", err)
	}

	// A schema.hcl change shows as drift on the migrated database.
	writeFile(t, hcl, strings.Replace(tinySchema, `column "notes" {`, "column \"channel\" {\n    type = text\n    null = true\n  }\n  column \"notes\" {", 1))
	drift, err = migrations.Drift(ctx, url, hcl)
	if err != nil {
		t.Fatal(err)
	}
	if len(drift) != 1 || !regexp.MustCompile(`ADD COLUMN "channel"`).MatchString(drift[0]) {
		t.Fatalf("drift = %q, want one ADD COLUMN channel", drift)
	}
}
