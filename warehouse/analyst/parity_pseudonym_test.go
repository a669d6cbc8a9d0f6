package analyst_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/carcarehub/cch/oltp"
)

// piiColumns are core.customer's identifying columns.
var piiColumns = []string{"id", "given_name", "family_name", "company_name", "email", "phone", "address", "postcode"}

// testPseudonymousCustomers: a role PostgreSQL denies customer PII (the
// auditor) reads customers by pseudonymous key in PostgreSQL, /v1/sql and
// Flight SQL alike, never by name, e-mail or phone; a customer has one key
// wherever it is read, the key survives the customer's erasure, and two
// organisations' customers never share keys.
func testPseudonymousCustomers(t *testing.T, s *seeded) {
	ctx := context.Background()
	auditor, manager := s.callers["auditor"], s.callers["manager"]
	pgKeys := s.pgStrings(t, auditor, `SELECT pseudonym FROM core.customer`)
	if len(pgKeys) < 10 {
		t.Fatalf("the auditor reads %d customers in PostgreSQL", len(pgKeys))
	}

	t.Run("the auditor reads keys, not PII, through /v1/sql", func(t *testing.T) {
		got := decode(t, s.sql("auditor", `SELECT * FROM core.customer`))
		var cols []string
		for _, c := range got.Columns {
			cols = append(cols, c.Name)
		}
		if !slices.Contains(cols, "pseudonym") {
			t.Fatalf("columns %v lack the pseudonym", cols)
		}
		for _, c := range piiColumns {
			if slices.Contains(cols, c) {
				t.Errorf("the auditor reads core.customer.%s", c)
			}
			if r := s.sql("auditor", `SELECT `+c+` FROM core.customer`); r.status == http.StatusOK {
				t.Errorf("SELECT %s answers 200: %s", c, r.body)
			}
		}
		assertSameRows(t, "/v1/sql", pgKeys, firstColumn(decode(t, s.sql("auditor", `SELECT pseudonym FROM core.customer`)).Rows))
	})
	t.Run("the auditor reads keys, not PII, through Flight SQL", func(t *testing.T) {
		fctx, err := s.flight.Client.AuthenticateBasicToken(ctx, "parity", s.tokens["auditor"])
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.flight.Execute(fctx, `SELECT * FROM core.customer`)
		if err != nil {
			t.Fatal(err)
		}
		rdr, err := s.flight.DoGet(fctx, info.GetEndpoint()[0].Ticket)
		if err != nil {
			t.Fatal(err)
		}
		schema := rdr.Schema()
		rdr.Release()
		for _, c := range piiColumns {
			if len(schema.FieldIndices(c)) > 0 {
				t.Errorf("Flight SQL answers core.customer.%s to the auditor", c)
			}
		}
		info, err = s.flight.Execute(fctx, `SELECT pseudonym FROM core.customer`)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, r := range flightStrings(t, fctx, s.flight, info) {
			keys = append(keys, r[0])
		}
		assertSameRows(t, "Flight SQL", pgKeys, keys)
	})
	t.Run("one customer has one key for every role that reads it", func(t *testing.T) {
		want := s.pgStrings(t, manager, `SELECT id || ' ' || pseudonym FROM core.customer`)
		got := decode(t, s.sql("manager", `SELECT id || ' ' || pseudonym FROM core.customer`)).Rows
		assertSameRows(t, "/v1/sql", want, firstColumn(got))
		keys := map[string]bool{}
		for _, w := range want {
			keys[strings.Fields(w)[1]] = true
		}
		if len(keys) != len(want) {
			t.Fatalf("%d customers share %d keys", len(want), len(keys))
		}
		mine := map[string]bool{}
		for _, k := range pgKeys {
			mine[k] = true
		}
		if !maps.Equal(mine, keys) {
			t.Fatal("the auditor and the manager of one organisation see different keys")
		}
		for _, k := range firstColumn(decode(t, s.sql("manager of the other organisation", `SELECT pseudonym FROM core.customer`)).Rows) {
			if mine[k] {
				t.Fatalf("key %s is in both organisations", k)
			}
		}
	})
	t.Run("erasure scrubs the PII and keeps the key", func(t *testing.T) {
		var id int64
		var key string
		_, err := oltp.InTx(ctx, s.pool, manager, "erase", false, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `UPDATE core.customer SET given_name = NULL, family_name = NULL, company_name = NULL,
				email = NULL, phone = NULL, address = NULL, postcode = NULL, pseudonymised_at = now()
				WHERE id = (SELECT min(id) FROM core.customer WHERE pseudonymised_at IS NULL) RETURNING id, pseudonym`).Scan(&id, &key)
		})
		if err != nil {
			t.Fatal(err)
		}
		s.catchUp(t)
		if !slices.Contains(pgKeys, key) {
			t.Fatalf("the erased customer's key %s is not the one it had", key)
		}
		got := decode(t, s.sql("auditor", `SELECT count(*) FROM core.customer WHERE pseudonym = '`+key+`' AND pseudonymised_at IS NOT NULL`)).Rows
		if len(got) != 1 || got[0][0] != float64(1) {
			t.Fatalf("the auditor finds the erased customer by its key %v times", got)
		}
		got = decode(t, s.sql("manager", `SELECT coalesce(given_name, '') || coalesce(family_name, '') || coalesce(email, '') || coalesce(phone, ''), pseudonym
			FROM core.customer WHERE id = `+strconv.FormatInt(id, 10))).Rows
		if len(got) != 1 || got[0][0] != "" || got[0][1] != key {
			t.Fatalf("the erased customer reads %v; want no PII and key %s", got, key)
		}
	})
}

func firstColumn(rows [][]any) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i], _ = r[0].(string)
	}
	return out
}
