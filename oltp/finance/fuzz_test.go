package finance_test

import (
	"bytes"
	"errors"
	"math/big"
	"testing"

	"github.com/carcarehub/cch/oltp"
	"github.com/carcarehub/cch/oltp/finance"
)

// FuzzPaymentRequest drives the payment body through strict decoding and
// validation: no input panics, every refusal is a 4xx problem, and an
// accepted body has exact two-decimal amounts whose allocations fit the
// payment.
func FuzzPaymentRequest(f *testing.F) {
	f.Add([]byte(`{"branch_id":1,"customer_id":2,"method":"card","amount":"100.00","allocations":[{"invoice_id":3,"amount":"70.00"},{"invoice_id":4,"amount":30}]}`))
	f.Add([]byte(`{"branch_id":1,"customer_id":2,"method":"cash","amount":0.30000000000000004}`))
	f.Add([]byte(`{"branch_id":1,"customer_id":2,"method":"card","amount":"1e3"}`))
	f.Add([]byte(`{"amount":"12.5","allocations":[{"invoice_id":1,"amount":"12.51"}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var req finance.PaymentRequest
		err := oltp.DecodeJSON(bytes.NewReader(body), &req)
		if err == nil {
			err = req.Validate()
		}
		if err != nil {
			var e *oltp.Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
				t.Fatalf("refusal is not a 4xx problem: %v", err)
			}
			return
		}
		amount, ok := new(big.Rat).SetString(string(req.Amount))
		if !ok || amount.Sign() <= 0 || !new(big.Rat).Mul(amount, big.NewRat(100, 1)).IsInt() {
			t.Fatalf("accepted amount %q", req.Amount)
		}
		sum := new(big.Rat)
		for _, a := range req.Allocations {
			r, ok := new(big.Rat).SetString(string(a.Amount))
			if !ok || r.Sign() <= 0 {
				t.Fatalf("accepted allocation %q", a.Amount)
			}
			sum.Add(sum, r)
		}
		if sum.Cmp(amount) > 0 {
			t.Fatalf("accepted allocations %s over amount %s", sum.FloatString(2), req.Amount)
		}
	})
}
