package cdc_test

import (
	"os"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

// TestMain gives the tests that replicate a throwaway PostgreSQL cluster.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
