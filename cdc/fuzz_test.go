package cdc_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/carcarehub/cch/cdc"
)

// FuzzDecode feeds arbitrary bytes to a Decoder (whose cache knows a
// relation with every decoded type) and the Assembler: they must return
// errors, never panic. Seeds: testdata/fuzz/FuzzDecode plus the ones below.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(m('I').u32(1).u8('N').tuple(allValues...)))
	f.Add([]byte(m('U').u32(1).u8('K').tuple(allValues...).u8('N').tuple(allValues...)))
	f.Add([]byte(relationMsg(false, 0, 1, allTypes)))
	f.Add([]byte(m('S').u32(5).u8(1)))
	f.Add([]byte(binaryInsert))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, a := cdc.NewDecoder(), cdc.NewAssembler()
		if _, err := d.Decode(relationMsg(false, 0, 1, allTypes)); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Add(&cdc.Begin{Xid: 1}, 0); err != nil {
			t.Fatal(err)
		}
		msg, err := d.Decode(data)
		if err != nil {
			return
		}
		_, _ = a.Add(msg, len(data))
		if r, ok := msg.(*cdc.RowMessage); ok && r.Change.Rel == nil {
			t.Error("row without relation")
		}
	})
}

// TestWriteFuzzSeeds regenerates the committed seed corpus:
// CCH_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./cdc/
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("CCH_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set CCH_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz/FuzzDecode")
	}
	seeds := map[string]msg{
		"begin":           beginMsg(7),
		"commit":          commitMsg(0x1000),
		"relation":        relationMsg(false, 0, 1, allTypes),
		"insert":          m('I').u32(1).u8('N').tuple(allValues...),
		"update_key":      m('U').u32(1).u8('K').tuple(allValues...).u8('N').tuple(allValues...),
		"update_toast":    m('U').u32(1).u8('N').tuple(append([]any{"1"}, make([]any, len(allValues)-2)...)...).u8('u'),
		"delete":          m('D').u32(1).u8('K').tuple(allValues...),
		"truncate":        m('T').u32(1).u8(1).u32(1),
		"stream_start":    m('S').u32(5).u8(1),
		"stream_stop":     m('E'),
		"stream_commit":   m('c').u32(5).u8(0).u64(1).u64(2).u64(3),
		"stream_abort":    m('A').u32(5).u32(6),
		"logical_message": m('M').u8(0).u64(1).str("cch_heartbeat").u32(0),
		"insert_binary":   binaryInsert,
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for name, b := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", []byte(b))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir = filepath.Join("testdata", "fuzz", "FuzzDecodeBinary")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range binaryCases {
		for i, o := range binaryOIDs {
			if o != c.oid {
				continue
			}
			body := fmt.Sprintf("go test fuzz v1\nuint8(%d)\n[]byte(%q)\n", i, c.in)
			name := strings.ReplaceAll(c.name, " ", "_")
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// binaryInsert is an insert whose first columns are in binary format
// (pgoutput binary mode), the others in text.
var binaryInsert = m('I').u32(1).u8('N').tuple(append([]any{binVal(be(8, 7)), binVal{1}, binVal(be(2, 3)),
	binVal(be(4, 42)), binVal(be(4, 0x3fc00000)), binVal(be(8, 0)), binVal(numericBin(0, 0, 2, 12, 5000)), binVal("hi")},
	allValues[8:]...)...)
