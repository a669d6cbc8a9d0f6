package marts_test

import (
	"testing"
	"time"

	"github.com/carcarehub/cch/internal/datagen"
	"github.com/carcarehub/cch/warehouse/marts"
)

var genOptions = datagen.Options{Seed: 7, Months: 4, Branches: 2, BookingsPerMonth: 400,
	End: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)}

func TestGeneratedData(t *testing.T) {
	m := newMirrored(t, &genOptions, false)
	p := marts.Params{OrganisationID: 1, From: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	t.Run("every analytic runs", func(t *testing.T) {
		for _, a := range marts.Catalog() {
			rows := run(t, m.duck.DB, a.Name, p)
			t.Logf("%s: %d rows; first %v", a.Name, len(rows), first(rows))
		}
	})
}

func first(rows []map[string]any) map[string]any {
	if len(rows) == 0 {
		return nil
	}
	return rows[0]
}
