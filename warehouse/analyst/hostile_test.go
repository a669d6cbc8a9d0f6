package analyst_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// hostile are statements an analyst token must never get answered, by
// what they reach for. {other} is another role's catalogue of views; the
// warehouse file is w.duckdb, so its catalogue is "w".
var hostile = []struct{ what, query string }{
	// files
	{"file", "SELECT * FROM read_csv('/etc/passwd')"},
	{"file", "SELECT * FROM read_text('/etc/passwd')"},
	{"file", "SELECT * FROM read_blob('/etc/hostname')"},
	{"file", "SELECT * FROM '/etc/passwd'"},
	{"file", "FROM read_json_auto('/etc/os-release')"},
	{"file", "SELECT * FROM read_parquet('/tmp/x.parquet')"},
	{"file", "SELECT * FROM parquet_metadata('/tmp/x.parquet')"},
	{"file", "SELECT * FROM glob('/*')"},
	{"file", "SELECT * FROM sniff_csv('/etc/passwd')"},
	{"file", "COPY (SELECT * FROM core.customer) TO '/tmp/cch-out.csv'"},
	// base mirror tables and other tenants
	{"base table", "SELECT * FROM w.core.customer"},
	{"base table", `SELECT * FROM "W"."CORE"."CUSTOMER"`},
	{"base table", "SELECT * FROM w . core . customer"},
	{"base table", "/* harmless */ SELECT 1 FROM core.branch -- \n UNION ALL SELECT count(*) FROM w.core.customer"},
	{"base table", "WITH c AS (SELECT * FROM w.core.customer) SELECT * FROM c"},
	{"base table", "SELECT (SELECT count(*) FROM w.core.customer)"},
	{"base table", "SELECT * FROM core.branch b, LATERAL (SELECT * FROM w.core.staff s WHERE s.home_branch_id = b.id) x"},
	{"base table", "SELECT * FROM generate_series(1, 3) g, w.core.customer"},
	{"base table", "SELECT * FROM query_table('w.core.customer')"},
	{"base table", "SELECT * FROM query('SELECT * FROM w.core.customer')"},
	{"another role's views", "SELECT * FROM {other}.core.customer"},
	{"time travel", "SELECT * FROM core.customer AT (VERSION => 1)"},
	// internal schemas and the catalogue
	{"internal", "SELECT * FROM _cch.position"},
	{"internal", "SELECT * FROM w._cch.mirrors"},
	{"internal", "SELECT * FROM mart.freshness"},
	{"catalogue", "SELECT * FROM information_schema.tables"},
	{"catalogue", "SELECT * FROM pg_catalog.pg_class"},
	{"catalogue", "SELECT * FROM duckdb_tables()"},
	{"catalogue", "SELECT * FROM duckdb_tables"},
	{"catalogue", "SELECT * FROM duckdb_views()"},
	{"catalogue", "SELECT * FROM duckdb_databases()"},
	{"catalogue", "SELECT * FROM pragma_database_list()"},
	{"catalogue", "PRAGMA database_list"},
	{"catalogue", "SELECT * FROM (DESCRIBE w.core.customer)"},
	{"catalogue", "DESCRIBE core.customer"},
	{"catalogue", "SELECT pg_get_viewdef('core.customer')"},
	{"catalogue", "SELECT current_database()"},
	// secrets
	{"secret", "SELECT token_hash FROM w.core.api_token"},
	{"secret", "SELECT * FROM duckdb_secrets()"},
	{"secret", "SELECT * FROM which_secret('s3://bucket/x', 's3')"},
	// settings and the request context
	{"setting", "SELECT current_setting('memory_limit')"},
	{"setting", "SELECT * FROM duckdb_settings()"},
	{"context", "SELECT getvariable('app.organisation_id')"},
	{"context", `SET VARIABLE "app.organisation_id" = '2'`},
	{"context", `SET VARIABLE "app.organisation_id" = '2'; SELECT * FROM core.customer`},
	{"context", `RESET VARIABLE "app.organisation_id"`},
	{"context", "USE w"},
	{"setting", "SET search_path = 'w.core'"},
	{"setting", "SET enable_external_access = true"},
	// extensions and state
	{"extension", "INSTALL httpfs"},
	{"extension", "LOAD httpfs"},
	{"extension", "SELECT * FROM duckdb_extensions()"},
	{"state", "ATTACH ':memory:' AS mine"},
	{"state", "CREATE MACRO leak() AS TABLE SELECT * FROM w.core.customer"},
	{"state", "PREPARE p AS SELECT * FROM w.core.customer"},
	{"state", "EXECUTE p"},
	{"state", "SELECT nextval('seq')"},
	{"sql in a value", "SELECT json_serialize_sql('SELECT 1')"},
	{"sql in a value", "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT * FROM w.core.customer'))"},
	// look-alikes and several statements
	{"look-alike", "SELECT * FROM c\u043ere.customer"},
	{"look-alike", "SELECT * FROM \"core\".\"customer\u200b\""},
	{"several statements", "SELECT 1; SELECT * FROM w.core.customer"},
	// resource bombs the gate can see
	{"resource", "SELECT repeat('x', 100000000)"},
	{"resource", "SELECT lpad('x', 1000000000, 'y')"},
}

// testHostile sends every hostile statement as a manager through
// POST /v1/sql and Flight SQL, requires a refusal naming its reason, tries
// what a technician's grants withhold (masked columns, finance, marts
// computed from costs, rides), and then runs an ordinary query on both.
func testHostile(t *testing.T, s *stack) {
	if len(hostile) < 40 {
		t.Fatalf("only %d hostile statements", len(hostile))
	}
	set, release, err := s.views.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	other := set.Catalog("technician")
	release()
	cl, actx, stop := flightClient(t, s, "manager")
	t.Cleanup(stop)
	for _, h := range hostile {
		q := strings.ReplaceAll(h.query, "{other}", other)
		t.Run(h.what+": "+q, func(t *testing.T) {
			r := s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": q}, "")
			if r.status != http.StatusBadRequest && r.status != http.StatusForbidden {
				t.Errorf("/v1/sql: status %d, want 400 or 403: %s", r.status, r.body)
			}
			if r.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(r.body), `"detail":"`) {
				t.Errorf("/v1/sql: not a problem naming its reason: %s", r.body)
			}
			err := flightRun(actx, cl, q)
			if c := status.Code(err); c != codes.InvalidArgument && c != codes.PermissionDenied {
				t.Errorf("Flight SQL: %v, want InvalidArgument or PermissionDenied", err)
			}
		})
	}
	// What a technician's grants and policies withhold.
	tcl, tctx, tstop := flightClient(t, s, "technician")
	t.Cleanup(tstop)
	for _, q := range []string{"SELECT cost_rate FROM core.staff", "SELECT sublet_cost FROM workshop.repair_job",
		"SELECT * FROM finance.invoice", "SELECT * FROM mart_view.job_profitability", "SELECT * FROM chauffeur.ride_booking"} {
		t.Run("technician: "+q, func(t *testing.T) {
			if r := s.do(t, "technician", "POST", "/v1/sql", map[string]string{"query": q}, ""); r.status != http.StatusBadRequest && r.status != http.StatusForbidden {
				t.Errorf("/v1/sql: status %d: %s", r.status, r.body)
			}
			if c := status.Code(flightRun(tctx, tcl, q)); c != codes.InvalidArgument && c != codes.PermissionDenied {
				t.Errorf("Flight SQL: %v", c)
			}
		})
	}
	// Still serving, still scoped.
	decode(t, s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": "SELECT count(*) FROM core.customer"}, ""))
	if err := flightRun(actx, cl, "SELECT count(*) FROM core.customer"); err != nil {
		t.Errorf("Flight SQL after the hostile statements: %v", err)
	}
}

// flightRun executes query and reads every batch, returning the first error.
func flightRun(ctx context.Context, cl *flightsql.Client, query string) error {
	info, err := cl.Execute(ctx, query)
	if err != nil {
		return err
	}
	for _, ep := range info.Endpoint {
		rdr, err := cl.DoGet(ctx, ep.Ticket)
		if err != nil {
			return err
		}
		for rdr.Next() {
		}
		err = rdr.Err()
		rdr.Release()
		if err != nil {
			return err
		}
	}
	return nil
}
