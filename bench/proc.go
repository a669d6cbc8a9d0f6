package bench

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// procStatus returns a /proc/self/status field in KiB (0 when unknown).
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if name, rest, ok := strings.Cut(s.Text(), ":"); ok && name == field {
			var kb int64
			fmt.Sscan(rest, &kb)
			return kb
		}
	}
	return 0
}
