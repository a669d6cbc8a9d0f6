package cdc

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Type OIDs the decoder knows. Every other type (enums, ranges, arrays,
// domains over unknown types, inet, money, …) decodes as its PostgreSQL
// text representation (string).
const (
	OIDBool        = 16
	OIDBytea       = 17
	OIDChar        = 18
	OIDName        = 19
	OIDInt8        = 20
	OIDInt2        = 21
	OIDInt4        = 23
	OIDText        = 25
	OIDOID         = 26
	OIDJSON        = 114
	OIDFloat4      = 700
	OIDFloat8      = 701
	OIDBPChar      = 1042
	OIDVarchar     = 1043
	OIDDate        = 1082
	OIDTime        = 1083
	OIDTimestamp   = 1114
	OIDTimestamptz = 1184
	OIDInterval    = 1186
	OIDTimetz      = 1266
	OIDNumeric     = 1700
	OIDUUID        = 2950
	OIDJSONB       = 3802
)

// Numeric is an exact decimal in PostgreSQL text form ("-12.50", "NaN",
// "Infinity").
type Numeric string

// JSON is a json or jsonb document as PostgreSQL prints it.
type JSON string

// Interval is a PostgreSQL interval: months, days and microseconds are
// independent fields, as in PostgreSQL.
type Interval struct {
	Months       int32
	Days         int32
	Microseconds int64
}

// Infinity is PostgreSQL's 'infinity' (+1) or '-infinity' (-1) of a date
// or timestamp.
type Infinity int8

// UUID is a UUID's 16 bytes.
type UUID [16]byte

// String formats the UUID in its canonical lowercase form.
func (u UUID) String() string {
	b := hex.EncodeToString(u[:])
	return b[0:8] + "-" + b[8:12] + "-" + b[12:16] + "-" + b[16:20] + "-" + b[20:]
}

// DecodeText converts a value in PostgreSQL text output format (as sent by
// pgoutput and COPY, with DateStyle ISO, IntervalStyle postgres,
// bytea_output hex and TimeZone UTC) to a typed Go value:
//
//	bool → bool; int2/int4/int8 → int16/int32/int64; oid → int64;
//	float4/float8 → float32/float64; numeric → Numeric; text, varchar,
//	bpchar, name, char, time, timetz and unknown OIDs → string;
//	json/jsonb → JSON; bytea → []byte; uuid → UUID; date, timestamp,
//	timestamptz → time.Time in UTC (or Infinity); interval → Interval.
//
// It is pure and safe for concurrent use.
func DecodeText(oid uint32, src []byte) (any, error) {
	s := string(src)
	switch oid {
	case OIDBool:
		return decodeBool(s)
	case OIDInt2:
		n, err := strconv.ParseInt(s, 10, 16)
		return int16(n), err
	case OIDInt4:
		n, err := strconv.ParseInt(s, 10, 32)
		return int32(n), err
	case OIDInt8, OIDOID:
		return strconv.ParseInt(s, 10, 64)
	case OIDFloat4:
		f, err := strconv.ParseFloat(s, 32)
		return float32(f), err
	case OIDFloat8:
		return strconv.ParseFloat(s, 64)
	case OIDNumeric:
		return decodeNumeric(s)
	case OIDJSON, OIDJSONB:
		return JSON(s), nil
	case OIDBytea:
		return decodeBytea(s)
	case OIDUUID:
		return decodeUUID(s)
	case OIDDate:
		return decodeTime(s, "2006-01-02")
	case OIDTimestamp:
		return decodeTime(s, "2006-01-02 15:04:05.999999")
	case OIDTimestamptz:
		return decodeTime(s, "2006-01-02 15:04:05.999999Z07:00:00")
	case OIDInterval:
		return ParseInterval(s)
	}
	return s, nil
}

func decodeBool(s string) (bool, error) {
	switch s {
	case "t":
		return true, nil
	case "f":
		return false, nil
	}
	return false, fmt.Errorf("bool %q", s)
}

func decodeNumeric(s string) (Numeric, error) {
	switch s {
	case "NaN", "Infinity", "-Infinity":
		return Numeric(s), nil
	}
	digits, dot := 0, false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case c == '-' && i == 0:
		default:
			return "", fmt.Errorf("numeric %q", s)
		}
	}
	if digits == 0 {
		return "", fmt.Errorf("numeric %q", s)
	}
	return Numeric(s), nil
}

func decodeBytea(s string) ([]byte, error) {
	if len(s) < 2 || s[0] != '\\' || s[1] != 'x' {
		return nil, errors.New("bytea not in hex format")
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, fmt.Errorf("bytea: %w", err)
	}
	return b, nil
}

func decodeUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("uuid %q", s)
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, fmt.Errorf("uuid %q: %w", s, err)
	}
	return u, nil
}

// decodeTime parses ISO dates and timestamps, including BC years and
// ±infinity. Offsets are normalised to UTC.
func decodeTime(s, layout string) (any, error) {
	switch s {
	case "infinity":
		return Infinity(1), nil
	case "-infinity":
		return Infinity(-1), nil
	}
	bc := len(s) > 3 && s[len(s)-3:] == " BC"
	if bc {
		s = s[:len(s)-3]
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		// Offsets like "+05:30" or "+00" need the shorter layout forms.
		t, err = time.Parse("2006-01-02 15:04:05.999999Z07", s)
		if err != nil {
			t, err = time.Parse("2006-01-02 15:04:05.999999Z07:00", s)
		}
		if err != nil {
			return nil, fmt.Errorf("time %q: %w", s, err)
		}
	}
	if bc {
		// Year 1 BC is year 0 in ISO 8601 (astronomical numbering).
		t = t.AddDate(-2*t.Year()+1, 0, 0)
	}
	return t.UTC(), nil
}
