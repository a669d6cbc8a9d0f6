package warehouse_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse"
)

func newApplier(t testing.TB, opts ...warehouse.ApplierOption) (*warehouse.DB, *warehouse.Applier) {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "wh.duckdb"), warehouse.Options{MemoryLimit: "512MB", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, err := warehouse.NewApplier(ctx, db, nil, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return db, a
}

func rel(cols ...cdc.Column) *cdc.Relation {
	return &cdc.Relation{ID: 1, Schema: "s", Name: "t", ReplicaIdentity: 'd', Columns: cols}
}

// TestApplierCollapsesToastRenameTruncate uses a checked allocator: every
// Arrow buffer is released by the Applier.
func TestApplierCollapsesToastRenameTruncate(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	db, a := newApplier(t, warehouse.WithAllocator(mem))
	r1 := rel(cdc.Column{Name: "id", TypeOID: cdc.OIDInt8, Key: true, Attnum: 1}, cdc.Column{Name: "big", TypeOID: cdc.OIDText, Attnum: 2},
		cdc.Column{Name: "n", TypeOID: cdc.OIDNumeric, TypeMod: (12<<16 | 2) + 4, Attnum: 3})
	ins := func(r *cdc.Relation, v ...any) cdc.Change { return cdc.Change{Op: cdc.OpInsert, Rel: r, New: v} }
	b := &cdc.Batch{Position: cdc.Position{LSN: 10, SnapshotDone: true}, Changes: []cdc.Change{
		ins(r1, int64(1), "x", cdc.Numeric("1.50")),
		ins(r1, int64(2), "y", nil),
		ins(r1, int64(3), "z", nil),
	}}
	if err := a.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	// The rename is known by the attribute number (3) the columns share.
	renamed := rel(cdc.Column{Name: "id", TypeOID: cdc.OIDInt8, Key: true, Attnum: 1}, cdc.Column{Name: "big", TypeOID: cdc.OIDText, Attnum: 2},
		cdc.Column{Name: "amount", TypeOID: cdc.OIDNumeric, TypeMod: (12<<16 | 2) + 4, Attnum: 3})
	r2 := rel(cdc.Column{Name: "id", TypeOID: cdc.OIDInt8, Key: true, Attnum: 1}, cdc.Column{Name: "big", TypeOID: cdc.OIDText, Attnum: 2},
		cdc.Column{Name: "amount", TypeOID: cdc.OIDNumeric, TypeMod: (12<<16 | 2) + 4, Attnum: 3}, cdc.Column{Name: "extra", TypeOID: cdc.OIDInt4, Attnum: 4})
	b = &cdc.Batch{Position: cdc.Position{LSN: 20, SnapshotDone: true}, Changes: []cdc.Change{
		{Op: cdc.OpUpdate, Rel: r1, New: []any{int64(1), cdc.Unchanged{}, cdc.Numeric("2.00")}},
		{Op: cdc.OpDelete, Rel: r1, Old: []any{int64(3), nil, nil}},
		{Op: cdc.OpUpdate, Rel: renamed, New: []any{int64(2), cdc.Unchanged{}, nil}},
		ins(r2, int64(4), "w", nil, int32(7)),
		{Op: cdc.OpUpdate, Rel: r2, Old: []any{int64(2), nil, nil, nil}, New: []any{int64(5), cdc.Unchanged{}, nil, int32(8)}},
		{Op: cdc.OpUpdate, Rel: r2, New: []any{int64(5), cdc.Unchanged{}, cdc.Numeric("3.25"), int32(9)}},
	}}
	if err := a.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	got := dump(t, db, `SELECT id, big, amount, extra FROM s.t ORDER BY id`)
	want := "1|x|2|<nil>\n4|w|<nil>|7\n5|y|3.25|9\n"
	if got != want {
		t.Errorf("mirror:\n%s\nwant:\n%s", got, want)
	}
	p, err := a.Position(ctx)
	if err != nil || p.LSN != 20 || !p.SnapshotDone {
		t.Errorf("position = %+v, %v", p, err)
	}
	b = &cdc.Batch{Position: cdc.Position{LSN: 30, SnapshotDone: true}, Changes: []cdc.Change{
		ins(r2, int64(6), "v", nil, nil), {Op: cdc.OpTruncate, Rel: r2}, ins(r2, int64(7), "u", nil, nil),
	}}
	if err := a.Apply(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := dump(t, db, `SELECT id FROM s.t`); got != "7\n" {
		t.Errorf("after truncate: %q", got)
	}
	if err := a.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Position(ctx); p != (cdc.Position{}) {
		t.Errorf("position after reset = %+v", p)
	}
}

func dump(t testing.TB, db *warehouse.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				out += "|"
			}
			switch v := v.(type) {
			case nil:
				out += "<nil>"
			default:
				out += fmtVal(v)
			}
		}
		out += "\n"
	}
	return out
}
