package cdc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/carcarehub/cch/cdc"
)

func feed(t *testing.T, d *cdc.Decoder, a *cdc.Assembler, msgs ...msg) []*cdc.Tx {
	t.Helper()
	var txs []*cdc.Tx
	for _, b := range msgs {
		mm, err := d.Decode(b)
		if err != nil {
			t.Fatalf("decode %q: %v", b[0], err)
		}
		tx, err := a.Add(mm, len(b))
		if err != nil {
			t.Fatal(err)
		}
		if tx != nil {
			txs = append(txs, tx)
		}
	}
	return txs
}

func TestDecodeTransaction(t *testing.T) {
	d, a := cdc.NewDecoder(), cdc.NewAssembler()
	cols2 := []cdc.Column{{Name: "id", TypeOID: cdc.OIDInt4, Key: true}, {Name: "big", TypeOID: cdc.OIDText}}
	txs := feed(t, d, a,
		beginMsg(9), relationMsg(false, 0, 1, allTypes), relationMsg(false, 0, 2, cols2),
		m('I').u32(1).u8('N').tuple(allValues...),
		m('U').u32(2).u8('K').tuple("5", nil).u8('N').tuple("6", cdc.Unchanged{}),
		m('D').u32(2).u8('K').tuple("6", nil),
		m('T').u32(1).u8(0).u32(2),
		commitMsg(0x200))
	if len(txs) != 1 || txs[0].EndLSN != 0x200 || len(txs[0].Changes) != 4 {
		t.Fatalf("txs = %+v", txs)
	}
	ins := txs[0].Changes[0].New
	want := []any{int64(7), true, int16(-3), int32(42), float32(1.5), nil, cdc.Numeric("12.50"), "hi",
		cdc.JSON(`{"a": 1}`), []byte{0xde, 0xad}, nil,
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 10, 0, 0, 5e8, time.UTC),
		time.Date(2024, 2, 29, 10, 0, 0, 123456000, time.UTC),
		cdc.Interval{Months: 14, Days: -3, Microseconds: (4*3600+5*60+6)*1e6 + 5e5}, "meh"}
	for i, w := range want {
		switch i {
		case 5: // NaN
			if f, ok := ins[i].(float64); !ok || f == f {
				t.Errorf("f8 = %v, want NaN", ins[i])
			}
			continue
		case 9:
			if string(ins[i].([]byte)) != string(w.([]byte)) {
				t.Errorf("bytea = %v", ins[i])
			}
			continue
		case 10:
			if ins[i].(cdc.UUID).String() != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" {
				t.Errorf("uuid = %v", ins[i])
			}
			continue
		}
		if ins[i] != w {
			t.Errorf("column %s = %#v, want %#v", allTypes[i].Name, ins[i], w)
		}
	}
	upd := txs[0].Changes[1]
	if upd.Op != cdc.OpUpdate || upd.Old[0] != int32(5) || upd.New[1] != (cdc.Unchanged{}) {
		t.Errorf("update = %+v", upd)
	}
	if upd.New[1] == nil {
		t.Error("unchanged TOAST decoded as NULL")
	}
	if c := txs[0].Changes[3]; c.Op != cdc.OpTruncate || c.Rel.ID != 2 {
		t.Errorf("truncate = %+v", c)
	}
}

func TestStreamedTransactionWithAbortedSubtransaction(t *testing.T) {
	d, a := cdc.NewDecoder(), cdc.NewAssembler()
	cols := []cdc.Column{{Name: "id", TypeOID: cdc.OIDInt4, Key: true}}
	ins := func(xid uint32, v string) msg { return m('I').u32(xid).u32(1).u8('N').tuple(v) }
	txs := feed(t, d, a,
		m('S').u32(10).u8(1), relationMsg(true, 10, 1, cols), ins(10, "1"), ins(11, "2"), m('E'),
		m('S').u32(20).u8(1), relationMsg(true, 20, 1, cols), ins(20, "100"), m('E'),
		m('S').u32(10).u8(0), ins(12, "3"), ins(10, "4"), m('E'),
		m('A').u32(10).u32(12), // subtransaction 12 rolled back
		m('A').u32(20).u32(20), // transaction 20 aborted
		m('c').u32(10).u8(0).u64(0x300).u64(0x308).u64(0))
	if a.Pending() {
		t.Error("assembler still pending")
	}
	if len(txs) != 1 || txs[0].EndLSN != 0x308 {
		t.Fatalf("txs = %+v", txs)
	}
	var got []any
	for _, c := range txs[0].Changes {
		got = append(got, c.New[0])
	}
	if len(got) != 2 || got[0] != int32(1) || got[1] != int32(2) {
		t.Errorf("streamed changes = %v, want [1 2]", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	d := cdc.NewDecoder()
	cases := map[string]msg{
		"empty":            {},
		"unknown type":     m('Z'),
		"short begin":      m('B').u32(1),
		"unknown relation": m('I').u32(77).u8('N').tuple("1"),
		"short relation":   relationMsg(false, 0, 1, allTypes)[:20],
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := d.Decode(b); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := d.Decode(m('I').u32(77).u8('N').tuple("1")); !errors.Is(err, cdc.ErrUnknownRelation) {
		t.Errorf("err = %v, want ErrUnknownRelation", err)
	}
}

func TestDecodeText(t *testing.T) {
	cases := []struct {
		name string
		oid  uint32
		in   string
		want any
	}{
		{"bool false", cdc.OIDBool, "f", false},
		{"numeric neg", cdc.OIDNumeric, "-0.001", cdc.Numeric("-0.001")},
		{"numeric inf", cdc.OIDNumeric, "Infinity", cdc.Numeric("Infinity")},
		{"timestamptz offset", cdc.OIDTimestamptz, "2024-01-01 05:30:00+05:30", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"timestamptz infinity", cdc.OIDTimestamptz, "infinity", cdc.Infinity(1)},
		{"date BC", cdc.OIDDate, "0044-03-15 BC", time.Date(-43, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"interval zero", cdc.OIDInterval, "00:00:00", cdc.Interval{}},
		{"interval negative clock", cdc.OIDInterval, "-00:00:01.5", cdc.Interval{Microseconds: -1_500_000}},
		{"enum", 50000, "x", "x"},
		{"range", 3910, `["2024-01-01 00:00:00+00",)`, `["2024-01-01 00:00:00+00",)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := cdc.DecodeText(c.oid, []byte(c.in))
			if err != nil || got != c.want {
				t.Errorf("DecodeText(%q) = %#v, %v; want %#v", c.in, got, err, c.want)
			}
		})
	}
	for _, bad := range []struct {
		oid uint32
		in  string
	}{{cdc.OIDInt2, "40000"}, {cdc.OIDNumeric, "1e5"}, {cdc.OIDBytea, "abc"}, {cdc.OIDUUID, "x"}, {cdc.OIDInterval, "3 fortnights"}} {
		if _, err := cdc.DecodeText(bad.oid, []byte(bad.in)); err == nil {
			t.Errorf("DecodeText(%d, %q): no error", bad.oid, bad.in)
		}
	}
}

func TestParseCopyText(t *testing.T) {
	got, err := cdc.ParseCopyText([]byte(`1` + "\t" + `\N` + "\t" + `a\tb\\c\nd\101\x41`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || string(got[0]) != "1" || got[1] != nil || string(got[2]) != "a\tb\\c\ndAA" {
		t.Errorf("fields = %q", got)
	}
	if _, err := cdc.ParseCopyText([]byte(`x\`)); err == nil {
		t.Error("trailing backslash accepted")
	}
}

func TestLSN(t *testing.T) {
	l, err := cdc.ParseLSN("16/B374D848")
	if err != nil || l.String() != "16/B374D848" {
		t.Errorf("ParseLSN = %v, %v", l, err)
	}
}
