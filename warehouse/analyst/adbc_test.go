package analyst_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-adbc/go/adbc"
	adbcflight "github.com/apache/arrow-adbc/go/adbc/driver/flightsql"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/carcarehub/cch/warehouse/flight"
)

// testADBC: the ADBC Flight SQL driver, over TLS with a bearer token,
// gets server information without naming codes, runs a prepared statement
// with a bound parameter, and reads column types (xdbc_*) in GetObjects.
func testADBC(t *testing.T, s *stack) {
	ctx := context.Background()
	cert, certPEM := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	srv := flight.New(s.h, s.env.API.PrincipalOf, flight.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	go func() { done <- srv.Serve(sctx, ln) }()
	defer func() { cancel(); <-done }()

	connect := func(t *testing.T, opts map[string]string) adbc.Connection {
		t.Helper()
		db, err := adbcflight.NewDriver(memory.DefaultAllocator).NewDatabase(opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		cn, err := db.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cn.Close() })
		return cn
	}
	opts := map[string]string{adbc.OptionKeyURI: "grpc+tls://" + ln.Addr().String(),
		adbcflight.OptionSSLRootCerts: string(certPEM), adbcflight.OptionAuthorizationHeader: "Bearer " + s.env.Tokens["manager"]}
	cn := connect(t, opts)

	t.Run("GetInfo without codes", func(t *testing.T) {
		rdr, err := cn.GetInfo(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rdr.Release()
		var names []string
		for rdr.Next() {
			rec := rdr.RecordBatch()
			codes := rec.Column(0).(*array.Uint32)
			vals := rec.Column(1).(*array.DenseUnion)
			for i := 0; i < int(rec.NumRows()); i++ {
				if adbc.InfoCode(codes.Value(i)) == adbc.InfoVendorName {
					str := vals.Field(vals.ChildID(i)).(*array.String)
					names = append(names, str.Value(int(vals.ValueOffset(i))))
				}
			}
		}
		if err := rdr.Err(); err != nil {
			t.Fatal(err)
		}
		if len(names) != 1 || !strings.Contains(names[0], "Car Care Hub") {
			t.Errorf("vendor name %q", names)
		}
	})

	t.Run("prepared statement with a parameter", func(t *testing.T) {
		query := "SELECT id, name FROM core.branch WHERE id = ? ORDER BY id"
		want := fmt.Sprint(decode(t, s.do(t, "manager", "POST", "/v1/sql", map[string]string{
			"query": fmt.Sprintf("SELECT id, name FROM core.branch WHERE id = %d ORDER BY id", s.env.Fix.Branch)}, "")).Rows)
		st, err := cn.NewStatement()
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SetSqlQuery(query); err != nil {
			t.Fatal(err)
		}
		if err := st.Prepare(ctx); err != nil {
			t.Fatal(err)
		}
		if ps, err := st.GetParameterSchema(); err != nil || ps.NumFields() != 1 || ps.Field(0).Type.ID() != arrow.INT64 {
			t.Errorf("parameter schema %v (%v), want one BIGINT", ps, err)
		}
		if _, _, err := st.ExecuteQuery(ctx); err == nil || !strings.Contains(err.Error(), "InvalidArgument") {
			t.Errorf("executed without its parameter: %v", err)
		}
		for _, branch := range []int64{s.env.Fix.Branch, s.env.Fix.Branch} { // re-bound and run twice
			if err := st.Bind(ctx, int64Param(branch)); err != nil {
				t.Fatal(err)
			}
			rdr, _, err := st.ExecuteQuery(ctx)
			if err != nil {
				t.Fatal(err)
			}
			fmd := rdr.Schema().Field(0).Metadata
			md := flightsql.ColumnMetadata{Data: &fmd}
			if tn, _ := md.TypeName(); tn != "BIGINT" {
				t.Errorf("answer's column type name %q, want BIGINT", tn)
			}
			var rows [][]any
			for rdr.Next() {
				rows = append(rows, rowsOf(rdr.RecordBatch())...)
			}
			if err := rdr.Err(); err != nil {
				t.Fatal(err)
			}
			rdr.Release()
			if got := fmt.Sprint(rows); got != want || len(rows) != 1 {
				t.Errorf("prepared rows %s, want %s", got, want)
			}
		}
	})

	t.Run("GetObjects fills xdbc column metadata", func(t *testing.T) {
		cols := objectColumns(t, cn, "core", "branch")
		if len(cols) < 3 {
			t.Fatalf("GetObjects(core.branch) columns: %v", cols)
		}
		for name, got := range cols {
			if strings.Contains(got, "(null)") || !strings.Contains(got, " xdbc_scope_schema=core xdbc_scope_table=branch xdbc_is_autoincrement=false") {
				t.Errorf("column %s: %s", name, got)
			}
		}
		for name, want := range map[string]string{"id": "xdbc_type_name=BIGINT xdbc_data_type=-5 xdbc_sql_data_type=-5 ordinal_position=1 ",
			"name": "xdbc_type_name=VARCHAR xdbc_data_type=12 ", "opening_hours": "xdbc_type_name=JSON ",
			"created_at": "xdbc_type_name=TIMESTAMP WITH TIME ZONE xdbc_data_type=93 "} {
			if !strings.HasPrefix(cols[name], want) {
				t.Errorf("%s: %s, want %s…", name, cols[name], want)
			}
		}
		// A PostgreSQL text[] is a typed list, not text.
		if got := objectColumns(t, cn, "workshop", "booking")["labour_operation_codes"]; !strings.HasPrefix(got, "xdbc_type_name=VARCHAR[] ") {
			t.Errorf("workshop.booking.labour_operation_codes: %s", got)
		}
		schema := "workshop"
		sch, err := cn.GetTableSchema(context.Background(), nil, &schema, "booking")
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := sch.FieldsByName("labour_operation_codes"); !ok || f[0].Type.ID() != arrow.LIST ||
			f[0].Type.(*arrow.ListType).Elem().ID() != arrow.STRING {
			t.Errorf("labour_operation_codes arrives as %v", f)
		}
	})

	t.Run("enums and ranges are typed", func(t *testing.T) { testTypedColumns(t, s, cn) })

	t.Run("plain text is refused", func(t *testing.T) {
		db, err := adbcflight.NewDriver(memory.DefaultAllocator).NewDatabase(map[string]string{
			adbc.OptionKeyURI: "grpc://" + ln.Addr().String(), adbcflight.OptionAuthorizationHeader: "Bearer " + s.env.Tokens["manager"]})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if cn, err := db.Open(ctx); err == nil {
			_, err = cn.GetInfo(ctx, nil)
			cn.Close()
			if err == nil {
				t.Fatal("a plain-text client was served by the TLS endpoint")
			}
		}
	})
}

// objectColumns reads schema.table's columns through GetObjects, each as
// its xdbc fields. (The driver fills xdbc_column_size, xdbc_nullable and
// the like from nothing a server sends: they stay null with any Flight SQL
// server.)
func objectColumns(t *testing.T, cn adbc.Connection, schema, table string) map[string]string {
	t.Helper()
	rdr, err := cn.GetObjects(context.Background(), adbc.ObjectDepthAll, nil, &schema, &table, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	cols := map[string]string{}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		schemas := rec.Column(1).(*array.List)
		sch := schemas.ListValues().(*array.Struct)
		tables := sch.Field(1).(*array.List).ListValues().(*array.Struct)
		columns := tables.Field(2).(*array.List).ListValues().(*array.Struct)
		for i := 0; i < columns.Len(); i++ {
			var parts []string
			for _, f := range []string{"xdbc_type_name", "xdbc_data_type", "xdbc_sql_data_type", "ordinal_position",
				"xdbc_scope_catalog", "xdbc_scope_schema", "xdbc_scope_table", "xdbc_is_autoincrement"} {
				idx, _ := columns.DataType().(*arrow.StructType).FieldIdx(f)
				parts = append(parts, f+"="+columns.Field(idx).ValueStr(i))
			}
			cols[columns.Field(0).ValueStr(i)] = strings.Join(parts, " ")
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return cols
}

func int64Param(v int64) arrow.RecordBatch {
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.Append(v)
	col := b.NewArray()
	defer col.Release()
	return array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}}, nil), []arrow.Array{col}, 1)
}

// selfSigned makes a certificate for 127.0.0.1 and returns it with its PEM.
func selfSigned(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cch warehouse test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	return cert, certPEM
}
