package migrations

import (
	"context"
	"fmt"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"github.com/jackc/pgx/v5"
)

// compare relies on Atlas's Postgres driver being a dev-database normalizer.
var _ schema.Normalizer = (*postgres.Driver)(nil)

// compare returns the changes that take the business schemas of current to
// the state schemaFile describes, without the changes that hand-written
// migrations own. The desired state is normalized on a clean scratch
// database on srv first (Atlas's dev-database approach): the server's own
// rendering of defaults, checks and index predicates then matches what
// inspection of current returns.
func compare(ctx context.Context, srv *server, current *scratchDB, schemaFile string, exclude []string) ([]schema.Change, error) {
	desired, err := loadHCL(schemaFile)
	if err != nil {
		return nil, err
	}
	names := schemaNames(desired)
	norm, dropNorm, err := srv.newDatabase(ctx, "cch_normalize")
	if err != nil {
		return nil, err
	}
	defer dropNorm(context.WithoutCancel(ctx))
	if err := copyExtensions(ctx, current, norm); err != nil {
		return nil, err
	}
	want, err := norm.drv.(schema.Normalizer).NormalizeRealm(ctx, desired)
	if err != nil {
		return nil, fmt.Errorf("normalize %s: %w", schemaFile, err)
	}
	if want, err = schema.ExcludeRealm(want, exclude); err != nil {
		return nil, fmt.Errorf("exclude from desired schema: %w", err)
	}
	have, err := current.drv.InspectRealm(ctx, &schema.InspectRealmOption{Schemas: names, Exclude: exclude})
	if err != nil {
		return nil, fmt.Errorf("inspect database: %w", err)
	}
	changes, err := current.drv.RealmDiff(have, want)
	if err != nil {
		return nil, fmt.Errorf("diff: %w", err)
	}
	excl, err := exclusionConstraints(ctx, current)
	if err != nil {
		return nil, err
	}
	return excludeHandWritten(changes, excl), nil
}

// copyExtensions installs current's extensions that live in schema public
// into the normalization database, so schema.hcl may use their types and
// operator classes. Extensions in other schemas are not copied: a schema
// other than public would make the database unclean for Atlas.
func copyExtensions(ctx context.Context, current, norm *scratchDB) error {
	rows, err := current.db.QueryContext(ctx, `SELECT e.extname FROM pg_extension e
		JOIN pg_namespace n ON n.oid = e.extnamespace
		WHERE e.extname <> 'plpgsql' AND n.nspname = 'public' ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("list extensions: %w", err)
	}
	var exts []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("list extensions: %w", err)
		}
		exts = append(exts, name)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("list extensions: %w", err)
	}
	for _, e := range exts {
		if _, err := norm.db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS "+pgx.Identifier{e}.Sanitize()+" SCHEMA public"); err != nil {
			return fmt.Errorf("install extension %s on scratch database: %w", e, err)
		}
	}
	return nil
}

// exclusionConstraints returns the names of current's exclusion
// constraints, keyed "schema.table".
func exclusionConstraints(ctx context.Context, current *scratchDB) (map[string]map[string]bool, error) {
	rows, err := current.db.QueryContext(ctx, `SELECT n.nspname, t.relname, c.conname FROM pg_constraint c
		JOIN pg_class t ON t.oid = c.conrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		WHERE c.contype = 'x'`)
	if err != nil {
		return nil, fmt.Errorf("list exclusion constraints: %w", err)
	}
	defer rows.Close()
	out := make(map[string]map[string]bool)
	for rows.Next() {
		var s, t, c string
		if err := rows.Scan(&s, &t, &c); err != nil {
			return nil, fmt.Errorf("list exclusion constraints: %w", err)
		}
		if out[s+"."+t] == nil {
			out[s+"."+t] = make(map[string]bool)
		}
		out[s+"."+t][c] = true
	}
	return out, rows.Err()
}

// excludeHandWritten drops the changes that concern objects hand-written
// migrations own and open-source Atlas HCL cannot declare:
//
//   - exclusion constraints: Atlas inspects them as indexes that schema.hcl
//     lacks and plans to drop (or alter) them; they are recognised by name
//     from pg_constraint (contype = 'x') of the inspected database.
//
// Everything else hand-written (extensions, functions, triggers, RLS
// policies and flags, roles, grants, the publication, partition child
// tables, the cch_migrate schema) never reaches the diff: Atlas does not
// inspect it, or it lives outside the compared schemas.
func excludeHandWritten(changes []schema.Change, excl map[string]map[string]bool) []schema.Change {
	out := changes[:0:0]
	for _, c := range changes {
		mt, ok := c.(*schema.ModifyTable)
		if !ok {
			out = append(out, c)
			continue
		}
		names := excl[tableKey(mt.T)]
		kept := mt.Changes[:0:0]
		for _, tc := range mt.Changes {
			if !names[indexName(tc)] {
				kept = append(kept, tc)
			}
		}
		if len(kept) > 0 {
			mt.Changes = kept
			out = append(out, mt)
		}
	}
	return out
}

func tableKey(t *schema.Table) string {
	if t.Schema == nil {
		return t.Name
	}
	return t.Schema.Name + "." + t.Name
}

// indexName is the name of the index a table change concerns, or "".
func indexName(c schema.Change) string {
	switch c := c.(type) {
	case *schema.DropIndex:
		return c.I.Name
	case *schema.ModifyIndex:
		return c.From.Name
	case *schema.AddIndex:
		return c.I.Name
	}
	return ""
}
