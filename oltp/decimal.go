package oltp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
)

// Decimal is an exact decimal number. Requests may carry it as a JSON
// string ("12.50") or number (12.5); responses always use the string the
// database formatted, so no float rounding happens anywhere.
type Decimal string

// UnmarshalJSON accepts a JSON string or number; the format is checked by
// the request's Validate, which can name the field.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Decimal(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("a decimal must be a JSON string or number")
	}
	*d = Decimal(n.String())
	return nil
}

var (
	quantityFormat = regexp.MustCompile(`^-?[0-9]{1,7}(\.[0-9]{1,3})?$`) // numeric(10,3)
	moneyFormat    = regexp.MustCompile(`^[0-9]{1,10}(\.[0-9]{1,2})?$`)  // numeric(12,2), not negative
)

// Sign is -1, 0 or 1; d must already match a format.
func (d Decimal) Sign() int {
	r, ok := new(big.Rat).SetString(string(d))
	if !ok {
		return 0
	}
	return r.Sign()
}

// CheckQuantity validates a quantity: at most 7 integer and 3 fractional
// digits, not zero, and positive unless signed is true.
func CheckQuantity(field string, d Decimal, signed bool) error {
	if !quantityFormat.MatchString(string(d)) {
		return fmt.Errorf("%s must be a decimal with at most 7 integer and 3 fractional digits", field)
	}
	if s := d.Sign(); s == 0 || (s < 0 && !signed) {
		if signed {
			return fmt.Errorf("%s must not be zero", field)
		}
		return fmt.Errorf("%s must be greater than zero", field)
	}
	return nil
}

// CheckMoney validates a non-negative amount with at most 2 decimals.
func CheckMoney(field string, d Decimal) error {
	if !moneyFormat.MatchString(string(d)) {
		return fmt.Errorf("%s must be a non-negative amount with at most 2 decimals, e.g. \"12.50\"", field)
	}
	return nil
}

// Rat is d as an exact rational; d must already match a format.
func (d Decimal) Rat() *big.Rat {
	r, ok := new(big.Rat).SetString(string(d))
	if !ok {
		return new(big.Rat)
	}
	return r
}
