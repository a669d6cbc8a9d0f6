package cdc_test

import (
	"encoding/binary"

	"github.com/carcarehub/cch/cdc"
)

// msg builds pgoutput messages for tests.
type msg []byte

func m(kind byte) msg               { return msg{kind} }
func (b msg) u8(v byte) msg         { return append(b, v) }
func (b msg) u16(v uint16) msg      { return binary.BigEndian.AppendUint16(b, v) }
func (b msg) u32(v uint32) msg      { return binary.BigEndian.AppendUint32(b, v) }
func (b msg) u64(v uint64) msg      { return binary.BigEndian.AppendUint64(b, v) }
func (b msg) str(s string) msg      { return append(append(b, s...), 0) }
func (b msg) text(s string) msg     { return b.u8('t').u32(uint32(len(s))).bytesRaw(s) }
func (b msg) bytesRaw(s string) msg { return append(b, s...) }
func (b msg) tuple(vals ...any) msg {
	b = b.u16(uint16(len(vals)))
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = b.u8('n')
		case cdc.Unchanged:
			b = b.u8('u')
		case string:
			b = b.text(v)
		case binVal:
			b = b.u8('b').u32(uint32(len(v))).bytesRaw(string(v))
		}
	}
	return b
}

// binVal is a tuple value in binary format.
type binVal []byte

// allTypes is a relation with a column of every decoded type.
var allTypes = []cdc.Column{
	{Name: "id", TypeOID: cdc.OIDInt8, Key: true}, {Name: "b", TypeOID: cdc.OIDBool},
	{Name: "i2", TypeOID: cdc.OIDInt2}, {Name: "i4", TypeOID: cdc.OIDInt4},
	{Name: "f4", TypeOID: cdc.OIDFloat4}, {Name: "f8", TypeOID: cdc.OIDFloat8},
	{Name: "n", TypeOID: cdc.OIDNumeric, TypeMod: (12<<16 | 2) + 4}, {Name: "t", TypeOID: cdc.OIDText},
	{Name: "j", TypeOID: cdc.OIDJSONB}, {Name: "bin", TypeOID: cdc.OIDBytea}, {Name: "u", TypeOID: cdc.OIDUUID},
	{Name: "d", TypeOID: cdc.OIDDate}, {Name: "ts", TypeOID: cdc.OIDTimestamp}, {Name: "tz", TypeOID: cdc.OIDTimestamptz},
	{Name: "iv", TypeOID: cdc.OIDInterval}, {Name: "e", TypeOID: 99999},
}

var allValues = []any{"7", "t", "-3", "42", "1.5", "NaN", "12.50", "hi", `{"a": 1}`, `\xdead`,
	"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "2024-02-29", "2024-02-29 10:00:00.5",
	"2024-02-29 10:00:00.123456+00", "1 year 2 mons -3 days +04:05:06.5", "meh"}

func relationMsg(inStream bool, xid uint32, id uint32, cols []cdc.Column) msg {
	b := m('R')
	if inStream {
		b = b.u32(xid)
	}
	b = b.u32(id).str("public").str("t").u8('d').u16(uint16(len(cols)))
	for _, c := range cols {
		var flags byte
		if c.Key {
			flags = 1
		}
		b = b.u8(flags).str(c.Name).u32(c.TypeOID).u32(uint32(c.TypeMod))
	}
	return b
}

func beginMsg(xid uint32) msg  { return m('B').u64(100).u64(0).u32(xid) }
func commitMsg(end uint64) msg { return m('C').u8(0).u64(end - 8).u64(end).u64(0) }
