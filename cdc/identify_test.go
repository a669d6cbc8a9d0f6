package cdc

import (
	"slices"
	"testing"
)

// TestMatchAttributes: which relation messages the catalogue can vouch
// for, read after the message's transaction (xid 100) committed.
func TestMatchAttributes(t *testing.T) {
	col := func(name string, oid uint32) Column { return Column{Name: name, TypeOID: oid, TypeMod: -1} }
	attr := func(num int16, name string, oid uint32, xmin uint32) attribute {
		return attribute{num: num, name: name, oid: oid, mod: -1, xmin: xmin, published: true}
	}
	dropped := func(a attribute) attribute {
		a.dropped, a.name, a.oid = true, "........pg.dropped........", 0
		return a
	}
	msg := &Relation{Columns: []Column{col("id", OIDInt4), col("b", OIDText)}}
	cases := []struct {
		name  string
		attrs []attribute
		want  []int16 // nil: ambiguous
	}{
		{"unchanged", []attribute{attr(1, "id", OIDInt4, 5), attr(2, "b", OIDText, 5)}, []int16{1, 2}},
		{"a dropped, b added before the transaction", []attribute{attr(1, "id", OIDInt4, 5), dropped(attr(2, "a", OIDText, 50)), attr(3, "b", OIDText, 60)}, []int16{1, 3}},
		{"b dropped and added again before", []attribute{attr(1, "id", OIDInt4, 5), dropped(attr(2, "b", OIDText, 60)), attr(3, "b", OIDText, 60)}, []int16{1, 3}},
		{"the catalogue moved on: b re-added later", []attribute{attr(1, "id", OIDInt4, 5), dropped(attr(2, "b", OIDText, 120)), attr(3, "b", OIDText, 120)}, nil},
		{"the transaction itself added c after the message", []attribute{attr(1, "id", OIDInt4, 5), attr(2, "b", OIDText, 5), attr(3, "c", OIDInt4, 100)}, []int16{1, 2}},
		{"the transaction itself dropped a column", []attribute{attr(1, "id", OIDInt4, 5), attr(2, "b", OIDText, 5), dropped(attr(3, "c", OIDInt4, 100))}, nil},
		{"the transaction itself renamed a column before the message", []attribute{attr(1, "id", OIDInt4, 5), attr(2, "b", OIDText, 100)}, []int16{1, 2}},
		{"the transaction renamed b away and added another b", []attribute{attr(1, "id", OIDInt4, 5), attr(2, "c", OIDText, 100), attr(3, "b", OIDText, 100)}, nil},
		{"columns in another order", []attribute{attr(1, "b", OIDText, 5), attr(2, "id", OIDInt4, 5)}, nil},
		{"a type the message does not have", []attribute{attr(1, "id", OIDInt4, 5), attr(2, "b", OIDInt8, 5)}, nil},
		{"a column the message lacks, added before", []attribute{attr(1, "id", OIDInt4, 5), attr(2, "b", OIDText, 5), attr(3, "c", OIDInt4, 50)}, nil},
		{"a column the publication leaves out", []attribute{attr(1, "id", OIDInt4, 5), attr(2, "b", OIDText, 5), {num: 3, name: "secret", oid: OIDText, mod: -1, xmin: 5}}, []int16{1, 2}},
		{"the table is gone", nil, nil},
		{"xids wrapped around", []attribute{attr(1, "id", OIDInt4, 4294967290), attr(2, "b", OIDText, 4294967290)}, []int16{1, 2}},
	}
	for _, c := range cases {
		got, ok := matchAttributes(msg, c.attrs, 100)
		if !ok {
			got = nil
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: attnums %v (ok %v), want %v", c.name, got, ok, c.want)
		}
	}
}
