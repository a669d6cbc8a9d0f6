package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// version is set by the Makefile (-ldflags "-X main.version=$(git describe)");
// without it the module version or VCS revision from the build info is used.
var version = ""

// buildInfo is what `cch --version` prints and cch_build_info labels.
type buildInfo struct {
	Version, Revision, GoVersion string
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Revision: "unknown", GoVersion: runtime.Version()}
	info, ok := debug.ReadBuildInfo()
	if ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				b.Revision = s.Value
			}
		}
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
	}
	if b.Version == "" {
		b.Version = "devel"
	}
	return b
}

func printVersion(w io.Writer) {
	b := readBuildInfo()
	fmt.Fprintf(w, "cch %s (revision %s, %s)\n", b.Version, b.Revision, b.GoVersion)
}

// buildInfoGauge is cch_build_info: always 1, labelled with the build.
func buildInfoGauge() prometheus.Collector {
	b := readBuildInfo()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "cch_build_info",
		Help:        "Build of the running cch binary (value is always 1).",
		ConstLabels: prometheus.Labels{"version": b.Version, "revision": b.Revision, "goversion": b.GoVersion}})
	g.Set(1)
	return g
}
