package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestVersionFlagAndBuildInfo(t *testing.T) {
	old := version
	version = "v9.8.7-3-gabcdef0"
	defer func() { version = old }()
	var out, errb bytes.Buffer
	if code := run([]string{"--version"}, &out, &errb); code != 0 {
		t.Fatalf("cch --version exited %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "cch v9.8.7-3-gabcdef0 (revision ") {
		t.Errorf("cch --version printed %q", out.String())
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(buildInfoGauge())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 1 || mfs[0].GetName() != "cch_build_info" || mfs[0].GetMetric()[0].GetGauge().GetValue() != 1 {
		t.Fatalf("cch_build_info: %v", mfs)
	}
	labels := map[string]string{}
	for _, l := range mfs[0].GetMetric()[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	if labels["version"] != "v9.8.7-3-gabcdef0" || labels["goversion"] == "" || labels["revision"] == "" {
		t.Errorf("cch_build_info labels %v", labels)
	}
}
