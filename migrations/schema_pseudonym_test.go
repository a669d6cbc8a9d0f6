package migrations_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestCustomerPseudonyms checks the customers' pseudonymous keys: each is
// HMAC-SHA256 of the customer id under its organisation's secret (checked
// against Go's crypto/hmac), the secrets differ per organisation, are
// never published and readable by no business role; a key survives
// erasure and cannot be overwritten; the auditor reads customers by key,
// never by name, e-mail or phone.
func TestCustomerPseudonyms(t *testing.T) {
	d := newSchemaDB(t)
	ctx := context.Background()
	auditor := actor{role: "cch_auditor", appRole: "auditor", org: orgA, staff: staffAuditor}
	manager := actor{role: "cch_manager", appRole: "manager", org: orgA, staff: staffManager, branches: "10,11"}

	secrets := map[int64][]byte{}
	rows, err := d.super.Query(ctx, `SELECT organisation_id, secret FROM core.pseudonym_key`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var org int64
		var s []byte
		if err := rows.Scan(&org, &s); err != nil {
			t.Fatal(err)
		}
		secrets[org] = s
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	want := func(org, id int64) string {
		m := hmac.New(sha256.New, secrets[org])
		m.Write([]byte(strconv.FormatInt(id, 10)))
		return hex.EncodeToString(m.Sum(nil)[:16])
	}
	pseudonym := func(id int64) string {
		var p string
		if err := d.super.QueryRow(ctx, `SELECT pseudonym FROM core.customer WHERE id = $1`, id).Scan(&p); err != nil {
			t.Fatal(err)
		}
		return p
	}

	t.Run("each key is the HMAC of the id under its organisation's secret", func(t *testing.T) {
		for _, c := range []struct{ org, id int64 }{{orgA, custAssigned}, {orgA, custOtherBranch}, {orgA, custPax}, {orgB, custB}} {
			if len(secrets[c.org]) != 32 {
				t.Fatalf("organisation %d has a %d-byte secret", c.org, len(secrets[c.org]))
			}
			if got, w := pseudonym(c.id), want(c.org, c.id); got != w {
				t.Errorf("customer %d: pseudonym %s, HMAC-SHA256 says %s", c.id, got, w)
			}
		}
	})
	t.Run("two organisations have different secrets and keys", func(t *testing.T) {
		if string(secrets[orgA]) == string(secrets[orgB]) {
			t.Fatal("both organisations share one secret")
		}
		var a, b string
		if err := d.super.QueryRow(ctx, `SELECT core.customer_pseudonym(1, 1000), core.customer_pseudonym(2, 1000)`).Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		if a == b || a != pseudonym(custAssigned) {
			t.Fatalf("customer 1000 under organisation 1: %s, under organisation 2: %s", a, b)
		}
	})
	t.Run("a key cannot be overwritten and survives erasure", func(t *testing.T) {
		before := pseudonym(custOtherBranch)
		err := inTx(t, d.login, manager, true, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE core.customer SET pseudonym = 'chosen' WHERE id = $1`, custOtherBranch); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE core.customer SET given_name = NULL, family_name = NULL, phone = NULL,
				pseudonymised_at = now() WHERE id = $1`, custOtherBranch)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if after := pseudonym(custOtherBranch); after != before {
			t.Fatalf("pseudonym %s became %s", before, after)
		}
	})
	t.Run("a new customer gets its key", func(t *testing.T) {
		var id int64
		var p string
		err := inTx(t, d.login, manager, false, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO core.customer (organisation_id, home_branch_id, family_name)
				VALUES (1, 10, 'New') RETURNING id, pseudonym`).Scan(&id, &p)
		})
		if err != nil {
			t.Fatal(err)
		}
		if p != want(orgA, id) {
			t.Fatalf("new customer %d: pseudonym %s, want %s", id, p, want(orgA, id))
		}
	})
	t.Run("the auditor reads customers by key only", func(t *testing.T) {
		if n, err := rowsAs(t, d.login, auditor, `SELECT pseudonym, kind, home_branch_id, pseudonymised_at FROM core.customer`); err != nil || n != 3 {
			t.Fatalf("auditor reads %d customers (%v); want the 3 of organisation 1", n, err)
		}
		for _, col := range []string{"id", "given_name", "family_name", "company_name", "email", "phone", "address", "postcode"} {
			if _, err := rowsAs(t, d.login, auditor, `SELECT `+col+` FROM core.customer`); sqlState(err) != "42501" {
				t.Errorf("auditor reads core.customer.%s: %v", col, err)
			}
		}
	})
	t.Run("the secrets are published to nobody and readable by no business role", func(t *testing.T) {
		if n := queryInt(t, d.super, `SELECT count(*) FROM pg_publication_tables WHERE pubname = 'cch_pub'
			AND schemaname = 'core' AND tablename = 'pseudonym_key' AND 'secret' = ANY (attnames)`); n != 0 {
			t.Fatal("core.pseudonym_key.secret is published")
		}
		for _, role := range []string{"cch_technician", "cch_receptionist", "cch_finance", "cch_manager", "cch_dispatcher",
			"cch_chauffeur", "cch_auditor", "cch_app", "cch_replicator"} {
			if n := queryInt(t, d.super, `SELECT count(*) FROM pg_attribute
				WHERE attrelid = 'core.pseudonym_key'::regclass AND attname = 'secret'
				  AND has_column_privilege($1, attrelid, attnum, 'SELECT')`, role); n != 0 {
				t.Errorf("%s may read core.pseudonym_key.secret", role)
			}
			if n := queryInt(t, d.super, `SELECT count(*) FROM pg_proc
				WHERE oid IN ('core.customer_pseudonym(bigint, bigint)'::regprocedure, 'core.pseudonym_secret(bigint)'::regprocedure)
				  AND has_function_privilege($1, oid, 'EXECUTE')`, role); n != 0 {
				t.Errorf("%s may compute pseudonyms", role)
			}
		}
	})
}
