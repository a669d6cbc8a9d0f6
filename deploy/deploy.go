// Package deploy holds how Car Care Hub runs outside a laptop: the
// PostgreSQL settings, PgBouncer config, compose file, Kubernetes
// manifests, Prometheus rules and Grafana dashboard (see README.md). Its Go
// code only embeds the PostgreSQL settings, the one source the managed
// local cluster (internal/pglocal) shares with production; its tests check
// every file here against the code.
package deploy

import (
	_ "embed"
	"strings"
)

// PostgreSQLConf is postgresql.conf: the server settings the platform
// relies on.
//
//go:embed postgresql.conf
var PostgreSQLConf string

// Settings parses postgresql.conf lines (name = value, # comments) into a
// map of name to value with quotes removed; a later line wins.
func Settings(conf string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(conf, "\n") {
		line = stripComment(line)
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		out[strings.TrimSpace(name)] = strings.Trim(strings.TrimSpace(value), "'")
	}
	return out
}

// stripComment drops a # comment that is not inside a quoted value.
func stripComment(line string) string {
	quoted := false
	for i, r := range line {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '#' && !quoted:
			return line[:i]
		}
	}
	return line
}
