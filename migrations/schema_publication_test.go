package migrations_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestPublicationWithholdsSecrets checks what cch_pub sends to CDC: every
// column of every business table except the declared secrets
// (core.secret_columns()), which are never published; a column whose name
// says it holds credential material is either declared secret or one of
// the audit chain's integrity hashes.
func TestPublicationWithholdsSecrets(t *testing.T) {
	d := newSchemaDB(t)
	ctx := context.Background()
	t.Run("token hash is not published", func(t *testing.T) {
		n := queryInt(t, d.super, `SELECT count(*) FROM pg_publication_tables
			WHERE pubname = 'cch_pub' AND schemaname = 'core' AND tablename = 'api_token'
			  AND 'token_hash' = ANY (attnames)`)
		if n != 0 {
			t.Fatal("core.api_token.token_hash is published")
		}
		n = queryInt(t, d.super, `SELECT count(*) FROM pg_publication_tables
			WHERE pubname = 'cch_pub' AND schemaname = 'core' AND tablename = 'api_token' AND 'staff_id' = ANY (attnames)`)
		if n != 1 {
			t.Fatal("core.api_token's other columns are not published")
		}
	})
	t.Run("every other business column is published", func(t *testing.T) {
		rows, err := d.super.Query(ctx, `
			SELECT n.nspname || '.' || c.relname || '.' || a.attname
			FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
			LEFT JOIN pg_publication_tables pt ON pt.pubname = 'cch_pub' AND pt.schemaname = n.nspname AND pt.tablename = c.relname
			WHERE n.nspname IN `+businessSchemas+` AND c.relkind IN ('r', 'p') AND NOT c.relispartition
			  AND NOT coalesce(a.attname = ANY (pt.attnames), false)
			  AND NOT EXISTS (SELECT 1 FROM core.secret_columns() s WHERE s.rel = c.oid AND s.col = a.attname)
			ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Fatalf("neither published nor declared secret (call core.publish_tables() after adding them): %v", missing)
		}
	})
	t.Run("credential-looking columns are secret or audit integrity hashes", func(t *testing.T) {
		rows, err := d.super.Query(ctx, `
			SELECT pt.schemaname || '.' || pt.tablename || '.' || col
			FROM pg_publication_tables pt, unnest(pt.attnames) AS col
			WHERE pt.pubname = 'cch_pub' AND col ~* '(hash|secret|password|passwd|token|salt|api_key|private)'
			ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		published, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		integrity := map[string]bool{"audit.staff_audit_log.prev_hash": true, "audit.staff_audit_log.hash": true,
			"audit.chain_head.last_hash": true}
		for _, c := range published {
			if !integrity[c] {
				t.Errorf("%s looks like credential material and is published; declare it in core.secret_columns()", c)
			}
		}
	})
	t.Run("the replication role cannot read a secret column", func(t *testing.T) {
		n := queryInt(t, d.super, `SELECT count(*) FROM core.secret_columns() s
			WHERE has_column_privilege('cch_replicator', s.rel, s.col, 'SELECT')`)
		if n != 0 {
			t.Fatalf("cch_replicator may read %d secret column(s)", n)
		}
	})
	t.Run("partitioned tables publish through their root", func(t *testing.T) {
		n := queryInt(t, d.super, `SELECT count(*) FROM pg_publication_tables
			WHERE pubname = 'cch_pub' AND schemaname = 'audit' AND tablename = 'staff_audit_log'`)
		if n != 1 {
			t.Fatal("audit.staff_audit_log is not published as its root")
		}
	})
}
