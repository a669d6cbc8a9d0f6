package analyst_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/carcarehub/cch/warehouse/analyst"
)

// analystTimeout bounds each analyst query of TestAnalystAPI: far longer
// than any of its ordinary queries takes on a loaded machine (a few
// milliseconds unloaded), far shorter than the query the timeout test
// cancels would run.
const analystTimeout = 3 * time.Second

func TestAnalystAPI(t *testing.T) {
	s := newStack(t, analystTimeout)
	t.Run("sql refuses writing and file-touching statements", func(t *testing.T) { testRefusals(t, s) })
	t.Run("sql timeout cancels a long query", func(t *testing.T) {
		start := time.Now()
		r := s.do(t, "manager", "POST", "/v1/sql", map[string]string{
			"query": "SELECT count(*) FROM range(200000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3"}, "")
		if r.status != http.StatusGatewayTimeout || !strings.Contains(string(r.body), "query-timeout") {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if d := time.Since(start); d > analystTimeout+10*time.Second || d < analystTimeout {
			t.Errorf("cancelled after %s (limit %s)", d, analystTimeout)
		}
		// The connection is usable afterwards.
		decode(t, s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": "SELECT 1 AS one"}, ""))
	})
	t.Run("sql roles", func(t *testing.T) {
		q := map[string]string{"query": "SELECT count(*) AS n FROM core.customer"}
		// Every role runs SQL over its own views; the auditor's hold customers by key.
		for role, want := range map[string]int{"manager": 200, "finance": 200, "auditor": 200,
			"technician": 200, "receptionist": 200, "dispatcher": 200, "chauffeur": 200, "": 401} {
			if r := s.do(t, role, "POST", "/v1/sql", q, ""); r.status != want {
				t.Errorf("%q: status %d, want %d: %s", role, r.status, want, r.body)
			}
		}
	})
	t.Run("sql formats", func(t *testing.T) { testFormats(t, s) })
	t.Run("analytics roles", func(t *testing.T) { testAnalyticRoles(t, s) })
	t.Run("min_lsn read-your-writes", func(t *testing.T) { testReadYourWrites(t, s) })
	t.Run("flight sql", func(t *testing.T) { testFlightSQL(t, s) })
	t.Run("answer bytes bounded", func(t *testing.T) { testAnswerBytes(t, s) })
	t.Run("concurrent queries bounded", func(t *testing.T) { testConcurrency(t, s) })
	t.Run("analyst queries audited", func(t *testing.T) { testAudit(t, s) })
	t.Run("no file path disclosed", func(t *testing.T) { testNoPathLeak(t, s) })
	t.Run("adbc driver over tls", func(t *testing.T) { testADBC(t, s) })
	t.Run("hostile sql", func(t *testing.T) { testHostile(t, s) })
}

func testRefusals(t *testing.T, s *stack) {
	before := count(t, s.env.Admin, "SELECT count(*) FROM core.customer")
	cases := []struct{ name, query string }{
		{"insert", "INSERT INTO core.customer (id, organisation_id) VALUES (999, 1)"},
		{"update", "UPDATE core.customer SET email = 'x@example.test'"},
		{"delete", "DELETE FROM core.customer"},
		{"create table", "CREATE TABLE stolen AS SELECT * FROM core.customer"},
		{"create view", "CREATE VIEW v AS SELECT 1"},
		{"drop", "DROP TABLE core.customer"},
		{"alter", "ALTER TABLE core.customer ADD COLUMN x INT"},
		{"copy to file", "COPY core.customer TO '/tmp/cch-stolen.csv'"},
		{"copy query to file", "COPY (SELECT * FROM core.customer) TO '/tmp/cch-stolen.parquet' (FORMAT parquet)"},
		{"copy from file", "COPY core.customer FROM '/etc/passwd'"},
		{"export database", "EXPORT DATABASE '/tmp/cch-export'"},
		{"attach", "ATTACH '/tmp/cch-other.duckdb' AS other"},
		{"detach", "DETACH other"},
		{"use", "USE memory"},
		{"install", "INSTALL httpfs"},
		{"load", "LOAD httpfs"},
		{"pragma that changes state", "PRAGMA enable_profiling"},
		{"pragma threads", "PRAGMA threads = 1"},
		{"set", "SET enable_external_access = true"},
		{"set global", "SET GLOBAL lock_configuration = false"},
		{"reset", "RESET memory_limit"},
		{"checkpoint", "CHECKPOINT"},
		{"vacuum", "VACUUM"},
		{"call", "CALL dbgen(sf = 0.01)"},
		{"begin", "BEGIN TRANSACTION"},
		{"create macro", "CREATE MACRO m(x) AS x"},
		{"create secret", "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')"},
		{"read_csv", "SELECT * FROM read_csv('/etc/passwd')"},
		{"read_csv_auto", "SELECT * FROM read_csv_auto('/etc/hostname')"},
		{"read_parquet", "SELECT * FROM read_parquet('/tmp/x.parquet')"},
		{"read_json", "SELECT * FROM read_json('/tmp/x.json')"},
		{"read_text", "SELECT * FROM read_text('/etc/passwd')"},
		{"read_blob", "SELECT * FROM read_blob('/etc/passwd')"},
		{"glob", "SELECT * FROM glob('/etc/*')"},
		{"replacement scan of a file", "SELECT * FROM '/etc/passwd'"},
		{"http", "SELECT * FROM read_csv('https://example.com/x.csv')"},
		{"two statements", "SELECT 1; DROP TABLE core.customer"},
		{"select then insert", "SELECT 1; INSERT INTO core.customer (id) VALUES (1)"},
		{"empty", "   "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(t, "manager", "POST", "/v1/sql", map[string]string{"query": c.query}, "")
			if r.status != http.StatusBadRequest && r.status != http.StatusForbidden {
				t.Fatalf("status %d, want 400 or 403: %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
		})
	}
	// Nothing changed: the mirror still has every customer and the settings
	// held (read on the warehouse itself: analysts may not read settings).
	var customers, stolen int
	var external string
	err := s.svc.DB().QueryRow(`SELECT (SELECT count(*) FROM core.customer),
		current_setting('enable_external_access')::VARCHAR,
		(SELECT count(*) FROM duckdb_tables() WHERE table_name = 'stolen')`).Scan(&customers, &external, &stolen)
	if err != nil || customers != before || external != "false" || stolen != 0 {
		t.Errorf("after refusals: %d customers (want %d), external access %s, %d stolen tables, %v", customers, before, external, stolen, err)
	}
}

func testFormats(t *testing.T, s *stack) {
	q := map[string]string{"query": "SELECT id, name FROM core.branch ORDER BY id"}
	js := decode(t, s.do(t, "finance", "POST", "/v1/sql", q, "application/json"))
	if len(js.Rows) == 0 || js.Columns[0].Name != "id" || js.Columns[0].Type != "BIGINT" {
		t.Fatalf("json: %+v", js)
	}
	r := s.do(t, "finance", "POST", "/v1/sql", q, "text/csv")
	recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
	if err != nil || r.status != 200 || len(recs) != len(js.Rows)+1 || !slices.Equal(recs[0], []string{"id", "name"}) {
		t.Fatalf("csv %d %q: %v", r.status, r.body, err)
	}
	r = s.do(t, "finance", "POST", "/v1/sql", q, analyst.MIMEArrowStream)
	if r.status != 200 || r.header.Get("Content-Type") != analyst.MIMEArrowStream {
		t.Fatalf("arrow: %d %s", r.status, r.body)
	}
	rd, err := ipc.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	var n int64
	for rd.Next() {
		n += rd.RecordBatch().NumRows()
	}
	if n != int64(len(js.Rows)) || rd.Schema().Field(1).Name != "name" {
		t.Errorf("arrow: %d rows, schema %s", n, rd.Schema())
	}
	// The row limit (1000 in this stack) truncates and says so.
	r = s.do(t, "auditor", "POST", "/v1/sql", map[string]string{"query": "SELECT * FROM range(5000)"}, "")
	if tab := decode(t, r); len(tab.Rows) != 1000 || r.header.Get("X-CCH-Truncated") != "true" {
		t.Errorf("limit: %d rows, truncated %q", len(tab.Rows), r.header.Get("X-CCH-Truncated"))
	}
}
