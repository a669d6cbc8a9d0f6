package inventory

import "github.com/carcarehub/cch/oltp"

// Decimal is oltp.Decimal: an exact decimal carried as a JSON string or number.
type Decimal = oltp.Decimal
