package cdc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// binaryOIDs are the types DecodeBinary reads. pgoutput's binary mode
// sends every column in binary, so a Stream uses it only when every
// published column has one of these types.
var binaryOIDs = map[uint32]bool{
	OIDBool: true, OIDBytea: true, OIDInt8: true, OIDInt2: true, OIDInt4: true, OIDText: true,
	OIDJSON: true, OIDFloat4: true, OIDFloat8: true, OIDBPChar: true, OIDVarchar: true,
	OIDDate: true, OIDTimestamp: true, OIDTimestamptz: true, OIDInterval: true,
	OIDNumeric: true, OIDUUID: true, OIDJSONB: true,
}

// BinaryDecodable reports whether DecodeBinary reads type oid.
func BinaryDecodable(oid uint32) bool { return binaryOIDs[oid] }

// ErrNoBinaryDecoder is returned by DecodeBinary for a type it does not
// read.
var ErrNoBinaryDecoder = errors.New("no binary decoder for type")

// unixTo2000 is the seconds from the Unix epoch to PostgreSQL's epoch.
const unixTo2000 = 946_684_800

// DecodeBinary converts a value in PostgreSQL binary send format to the
// same typed Go value DecodeText returns for its text form (see
// DecodeText; a numeric becomes its text form with dscale fraction
// digits). It is pure and safe for concurrent use.
func DecodeBinary(oid uint32, src []byte) (any, error) {
	switch oid {
	case OIDBool:
		if len(src) != 1 {
			return nil, fmt.Errorf("bool: %d bytes", len(src))
		}
		return src[0] != 0, nil
	case OIDInt2:
		v, err := fixed(src, 2)
		return int16(v), err
	case OIDInt4:
		v, err := fixed(src, 4)
		return int32(v), err
	case OIDInt8:
		v, err := fixed(src, 8)
		return int64(v), err
	case OIDFloat4:
		v, err := fixed(src, 4)
		return math.Float32frombits(uint32(v)), err
	case OIDFloat8:
		v, err := fixed(src, 8)
		return math.Float64frombits(v), err
	case OIDText, OIDVarchar, OIDBPChar:
		return string(src), nil
	case OIDJSON:
		return JSON(src), nil
	case OIDJSONB:
		if len(src) < 1 || src[0] != 1 {
			return nil, errors.New("jsonb: unknown version")
		}
		return JSON(src[1:]), nil
	case OIDBytea:
		return append([]byte{}, src...), nil
	case OIDUUID:
		var u UUID
		if len(src) != 16 {
			return nil, fmt.Errorf("uuid: %d bytes", len(src))
		}
		copy(u[:], src)
		return u, nil
	}
	return decodeBinaryOther(oid, src)
}

func decodeBinaryOther(oid uint32, src []byte) (any, error) {
	switch oid {
	case OIDDate:
		v, err := fixed(src, 4)
		switch d := int32(v); {
		case err != nil:
			return nil, err
		case d == math.MaxInt32:
			return Infinity(1), nil
		case d == math.MinInt32:
			return Infinity(-1), nil
		default:
			return time.Unix(int64(d)*86400+unixTo2000, 0).UTC(), nil
		}
	case OIDTimestamp, OIDTimestamptz:
		v, err := fixed(src, 8)
		switch us := int64(v); {
		case err != nil:
			return nil, err
		case us == math.MaxInt64:
			return Infinity(1), nil
		case us == math.MinInt64:
			return Infinity(-1), nil
		default:
			sec, frac := us/1e6, us%1e6
			if frac < 0 {
				sec, frac = sec-1, frac+1e6
			}
			return time.Unix(sec+unixTo2000, frac*1000).UTC(), nil
		}
	case OIDInterval:
		if len(src) != 16 {
			return nil, fmt.Errorf("interval: %d bytes", len(src))
		}
		return Interval{Microseconds: int64(binary.BigEndian.Uint64(src)),
			Days: int32(binary.BigEndian.Uint32(src[8:])), Months: int32(binary.BigEndian.Uint32(src[12:]))}, nil
	case OIDNumeric:
		return decodeBinaryNumeric(src)
	}
	return nil, fmt.Errorf("%w %d", ErrNoBinaryDecoder, oid)
}

func fixed(src []byte, n int) (uint64, error) {
	if len(src) != n {
		return 0, fmt.Errorf("want %d bytes, got %d", n, len(src))
	}
	var v uint64
	for _, b := range src {
		v = v<<8 | uint64(b)
	}
	return v, nil
}

// Numeric sign words of the binary format.
const (
	numPos    = 0x0000
	numNeg    = 0x4000
	numNaN    = 0xC000
	numPosInf = 0xD000
	numNegInf = 0xF000
)

// decodeBinaryNumeric reads numeric_send's format — ndigits, weight,
// sign, dscale, then ndigits base-10000 digits, the first of weight
// weight — and prints it the way numeric_out does.
func decodeBinaryNumeric(src []byte) (Numeric, error) {
	if len(src) < 8 {
		return "", errors.New("numeric: short header")
	}
	n := int(binary.BigEndian.Uint16(src))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(binary.BigEndian.Uint16(src[6:]))
	switch sign {
	case numNaN:
		return "NaN", nil
	case numPosInf:
		return "Infinity", nil
	case numNegInf:
		return "-Infinity", nil
	case numPos, numNeg:
	default:
		return "", fmt.Errorf("numeric: sign %#x", sign)
	}
	if len(src) != 8+2*n || dscale > 0x3FFF {
		return "", errors.New("numeric: bad length or scale")
	}
	digits := make([]int, n)
	for i := range digits {
		if digits[i] = int(binary.BigEndian.Uint16(src[8+2*i:])); digits[i] > 9999 {
			return "", fmt.Errorf("numeric: digit %d", digits[i])
		}
	}
	return Numeric(formatNumeric(digits, weight, sign == numNeg, dscale)), nil
}

func formatNumeric(digits []int, weight int, neg bool, dscale int) string {
	digit := func(i int) int {
		if i < 0 || i >= len(digits) {
			return 0
		}
		return digits[i]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if weight < 0 {
		b.WriteByte('0')
	}
	for i := 0; i <= weight; i++ {
		if i == 0 {
			b.WriteString(strconv.Itoa(digit(i)))
		} else {
			fmt.Fprintf(&b, "%04d", digit(i))
		}
	}
	if dscale > 0 {
		frac := make([]byte, 0, dscale+4)
		for i := weight + 1; len(frac) < dscale; i++ {
			frac = fmt.Appendf(frac, "%04d", digit(i))
		}
		b.WriteByte('.')
		b.Write(frac[:dscale])
	}
	return b.String()
}
