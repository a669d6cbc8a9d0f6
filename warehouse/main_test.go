package warehouse_test

import (
	"os"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runChild())
	}
	os.Exit(pgtest.Main(m))
}
