package analyst

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/oltp"
)

// waitApplied waits until applied() reaches target, at most max. It
// returns a 503 problem when the warehouse is still behind.
func waitApplied(ctx context.Context, applied func() cdc.LSN, target cdc.LSN, max time.Duration) error {
	if applied() >= target {
		return nil
	}
	deadline := time.NewTimer(max)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return &oltp.Error{Kind: "warehouse-behind", Status: http.StatusServiceUnavailable, Title: "Warehouse behind",
				Detail: fmt.Sprintf("the warehouse has applied %s, not yet %s (waited %s); retry", applied(), target, max)}
		case <-tick.C:
			if applied() >= target {
				return nil
			}
		}
	}
}
