package archive_test

import (
	"fmt"
	"strings"
	"time"
)

// sprintf formats times as SQL literals (%L-style, quoted by the caller's
// format) and anything else with %v.
func sprintf(format string, args ...any) string {
	out := make([]any, len(args))
	for i, a := range args {
		if tm, ok := a.(time.Time); ok {
			out[i] = tm.UTC().Format(time.RFC3339)
			continue
		}
		out[i] = a
	}
	return fmt.Sprintf(strings.ReplaceAll(format, "%L", "'%s'"), out...)
}
