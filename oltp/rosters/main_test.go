package rosters_test

import (
	"os"
	"testing"

	"github.com/carcarehub/cch/internal/pglocal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
