package migrations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
)

// BusinessSchemas are the schemas schema.hcl owns; Diff, Drift and Lint
// inspect only these (plus any other schema schema.hcl declares).
var BusinessSchemas = []string{"core", "workshop", "inventory", "finance", "chauffeur", "audit"}

// DiffOptions configures Diff. The zero value of every field but Name is a
// sensible default.
type DiffOptions struct {
	// Name describes the change; the file is VERSION_Name.sql. Required.
	Name string
	// Dir is the on-disk migration directory. Default "migrations".
	Dir string
	// SchemaFile is the desired state in Atlas HCL. Default "schema.hcl".
	SchemaFile string
	// DevURL is a database URL on a server where Diff may create and drop
	// scratch databases (CREATEDB). Empty starts a private local cluster.
	DevURL string
	// Exclude lists Atlas glob patterns ("schema.table", "schema.table.column")
	// left out of the comparison on both sides.
	Exclude []string
	// Now gives the new file's version. Default time.Now.
	Now func() time.Time
	// Log receives progress. Default: discard.
	Log *slog.Logger
}

func (o *DiffOptions) defaults() {
	if o.Dir == "" {
		o.Dir = "migrations"
	}
	if o.SchemaFile == "" {
		o.SchemaFile = "schema.hcl"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
}

// Diff replays the migration directory on a scratch database, compares it
// with schema.hcl and writes the migration that closes the gap, updating
// atlas.sum. It returns the new file's path, or "" when there is nothing to
// change (and then writes nothing).
func Diff(ctx context.Context, opts DiffOptions) (string, error) {
	opts.defaults()
	if opts.Name == "" {
		return "", errors.New("diff: a migration name is required")
	}
	dir, err := OpenDir(opts.Dir)
	if err != nil {
		return "", err
	}
	srv, err := openServer(ctx, opts.DevURL, opts.Log)
	if err != nil {
		return "", err
	}
	defer srv.close(context.WithoutCancel(ctx))
	replay, dropReplay, err := srv.newDatabase(ctx, "cch_diff_replay")
	if err != nil {
		return "", err
	}
	defer dropReplay(context.WithoutCancel(ctx))
	if _, err := ApplyDir(ctx, replay.url, dir, opts.Log); err != nil {
		return "", fmt.Errorf("replay %s: %w", opts.Dir, err)
	}
	changes, err := compare(ctx, srv, replay, opts.SchemaFile, opts.Exclude)
	if err != nil {
		return "", err
	}
	if len(changes) == 0 {
		return "", nil
	}
	return writePlan(ctx, replay.drv, dir, opts, changes)
}

// writePlan plans changes and writes them as the next file of dir.
func writePlan(ctx context.Context, drv migrate.Driver, dir migrate.Dir, opts DiffOptions, changes []schema.Change) (string, error) {
	plan, err := drv.PlanChanges(ctx, opts.Name, changes)
	if err != nil {
		return "", fmt.Errorf("plan changes: %w", err)
	}
	if plan.Version, err = nextVersion(dir, opts.Now()); err != nil {
		return "", err
	}
	if err := migrate.NewPlanner(drv, dir, migrate.PlanWithChecksum(true)).WritePlan(plan); err != nil {
		return "", fmt.Errorf("write migration: %w", err)
	}
	return filepath.Join(opts.Dir, plan.Version+"_"+plan.Name+".sql"), nil
}

// nextVersion is now as YYYYMMDDHHMMSS (UTC), moved past the directory's
// last version so the new file always sorts last.
func nextVersion(dir migrate.Dir, now time.Time) (string, error) {
	const layout = "20060102150405"
	files, err := dir.Files()
	if err != nil {
		return "", fmt.Errorf("list migrations: %w", err)
	}
	v := now.UTC().Format(layout)
	if len(files) == 0 {
		return v, nil
	}
	last := files[len(files)-1].Version()
	if v > last {
		return v, nil
	}
	t, err := time.Parse(layout, last)
	if err != nil {
		return "", fmt.Errorf("last migration version %q is not %s: cannot order a new file after it", last, layout)
	}
	return t.Add(time.Second).Format(layout), nil
}

// Drift compares the database at databaseURL with the HCL schema at
// schemaFile and returns the differences as the SQL statements that would
// remove them; empty means no drift. The desired schema is normalized on a
// scratch database created (and dropped) on the same server, so the URL's
// user needs CREATEDB.
func Drift(ctx context.Context, databaseURL, schemaFile string) ([]string, error) {
	target, err := openAtlas(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	defer target.db.Close()
	srv := &server{url: databaseURL}
	changes, err := compare(ctx, srv, target, schemaFile, nil)
	if err != nil || len(changes) == 0 {
		return nil, err
	}
	return describe(ctx, target.drv, changes), nil
}

// describe renders changes as SQL, one line per statement.
func describe(ctx context.Context, drv migrate.Driver, changes []schema.Change) []string {
	plan, err := drv.PlanChanges(ctx, "drift", changes)
	if err != nil {
		out := make([]string, 0, len(changes))
		for _, c := range changes {
			out = append(out, fmt.Sprintf("%T (not plannable: %v)", c, err))
		}
		return out
	}
	out := make([]string, 0, len(plan.Changes))
	for _, c := range plan.Changes {
		out = append(out, c.Cmd+";")
	}
	return out
}

// loadHCL evaluates the Atlas HCL file at path into a realm.
func loadHCL(path string) (*schema.Realm, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	var r schema.Realm
	if err := postgres.EvalHCLBytes(b, &r, nil); err != nil {
		return nil, fmt.Errorf("evaluate %s: %w", path, err)
	}
	return &r, nil
}

// schemaNames is BusinessSchemas plus any other schema in desired.
func schemaNames(desired *schema.Realm) []string {
	names := slices.Clone(BusinessSchemas)
	for _, s := range desired.Schemas {
		if !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
		}
	}
	return names
}
