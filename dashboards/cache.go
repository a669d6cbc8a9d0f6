package dashboards

import (
	"sync"

	"github.com/carcarehub/cch/cdc"
	"github.com/carcarehub/cch/warehouse/marts"
)

// cache keeps analytic results computed at the warehouse's current
// applied LSN: the same question at the same position has the same
// answer, so viewers and live streams share one query. When the LSN moves
// the cache empties. Cached tables are read-only.
type cache struct {
	max int // entries; 0 disables the cache
	mu  sync.Mutex
	lsn cdc.LSN
	m   map[string]*marts.Table
}

func newCache(max int) *cache { return &cache{max: max, m: map[string]*marts.Table{}} }

func (c *cache) get(key string, lsn cdc.LSN) (*marts.Table, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if lsn != c.lsn {
		return nil, false
	}
	t, ok := c.m[key]
	return t, ok
}

func (c *cache) put(key string, lsn cdc.LSN, t *marts.Table) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if lsn < c.lsn {
		return
	}
	if lsn != c.lsn || len(c.m) >= c.max {
		c.lsn, c.m = lsn, map[string]*marts.Table{}
	}
	c.m[key] = t
}
