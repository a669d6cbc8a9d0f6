package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Figure is one measured value beside its baseline from the same run.
type Figure struct {
	Suite    string  // section, e.g. "API vs pgbench"
	Name     string  // what was measured
	Value    float64 // the measured path
	Unit     string  // unit of Value and Baseline
	Baseline float64 // the baseline path (0: none; Target compares Value)
	BaseName string  // what the baseline is
	// Target is a human statement ("≥ 0.6×", "≤ 20 ms"); Check, when set,
	// decides PASS/MISS from the figure.
	Target string
	Check  func(f Figure) bool
	Note   string
}

// Ratio is Value / Baseline (NaN without a baseline).
func (f Figure) Ratio() float64 {
	if f.Baseline == 0 {
		return math.NaN()
	}
	return f.Value / f.Baseline
}

// Verdict is PASS, MISS or "—" (no target).
func (f Figure) Verdict() string {
	if f.Check == nil {
		return "—"
	}
	if f.Check(f) {
		return "**PASS**"
	}
	return "**MISS**"
}

// AtLeastRatio passes when Value/Baseline ≥ r.
func AtLeastRatio(r float64) func(Figure) bool {
	return func(f Figure) bool { return f.Ratio() >= r }
}

// AtMost passes when Value ≤ v.
func AtMost(v float64) func(Figure) bool { return func(f Figure) bool { return f.Value <= v } }

// Machine describes where the run happened.
type Machine struct {
	Cores                 int
	MemoryGiB             float64
	Kernel, CPU           string
	Go, Postgres, PgBench string
	DuckDB                string
	LoadAvg               string // at the start of the run
	Started, Finished     time.Time
	Command               string
	Quick                 bool
	Contended             bool // the load average showed other work on the machine
	ContentionNote        string
	Notes                 []string
}

// DescribeMachine fills the machine and version fields.
func DescribeMachine(command string, quick bool, duckdbVersion string) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), DuckDB: duckdbVersion,
		Started: time.Now().UTC(), Command: command, Quick: quick}
	m.Kernel = strings.TrimSpace(cmdOut("uname", "-sr"))
	m.Postgres = strings.TrimSpace(cmdOut("postgres", "--version"))
	m.PgBench = strings.TrimSpace(cmdOut("pgbench", "--version"))
	m.MemoryGiB = float64(meminfo("MemTotal")) / (1 << 20)
	m.CPU = cpuModel()
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.LoadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	return m
}

func cmdOut(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "n/a"
	}
	return string(out)
}

// meminfo returns a /proc/meminfo field in KiB.
func meminfo(field string) int64 {
	f, err := os.Open("/proc/meminfo")
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

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "n/a"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if name, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "n/a"
}

// WriteMarkdown renders the report.
func WriteMarkdown(w io.Writer, m Machine, figs []Figure) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("# Benchmarks\n\nWritten by `%s` (bench/cmd/benchreport). Every figure stands beside a baseline measured in the\n", m.Command)
	p("same run; ratios are value ÷ baseline. Targets are DESIGN.md's \"Performance targets\" unless a figure names another.\n\n")
	p("| | |\n|---|---|\n")
	p("| date | %s → %s (%s) |\n", m.Started.Format(time.RFC3339), m.Finished.Format("15:04:05Z"), m.Finished.Sub(m.Started).Round(time.Second))
	p("| command | `%s` |\n", m.Command)
	p("| mode | %s |\n", map[bool]string{true: "quick (BENCH_QUICK=1)", false: "full"}[m.Quick])
	p("| machine | %d cores (%s), %.1f GiB RAM, %s |\n", m.Cores, m.CPU, m.MemoryGiB, m.Kernel)
	p("| load average at start | %s |\n", m.LoadAvg)
	p("| Go | %s |\n| PostgreSQL | %s (pgbench: %s) |\n| DuckDB | %s |\n", m.Go, m.Postgres, m.PgBench, m.DuckDB)
	if m.ContentionNote != "" {
		p("\n> **Measured under contention.** %s\n", m.ContentionNote)
	}
	for _, n := range m.Notes {
		p("\n> %s\n", n)
	}
	var suites []string
	seen := map[string]bool{}
	for _, f := range figs {
		if !seen[f.Suite] {
			seen[f.Suite] = true
			suites = append(suites, f.Suite)
		}
	}
	pass, miss := 0, 0
	for _, f := range figs {
		switch f.Verdict() {
		case "**PASS**":
			pass++
		case "**MISS**":
			miss++
		}
	}
	p("\n**Summary: %d PASS, %d MISS** (of %d figures with a target).\n", pass, miss, pass+miss)
	for _, s := range suites {
		p("\n## %s\n\n| figure | value | baseline (same run) | ratio | target | verdict | note |\n|---|---:|---|---:|---|---|---|\n", s)
		for _, f := range figs {
			if f.Suite != s {
				continue
			}
			base, ratio := "—", "—"
			if f.Baseline != 0 {
				base = fmt.Sprintf("%s %s: %s", num(f.Baseline), f.Unit, f.BaseName)
				ratio = fmt.Sprintf("%.2f×", f.Ratio())
			} else if f.BaseName != "" {
				base = f.BaseName
			}
			p("| %s | %s %s | %s | %s | %s | %s | %s |\n", f.Name, num(f.Value), f.Unit, base, ratio, orDash(f.Target), f.Verdict(), f.Note)
		}
	}
	return bw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.Abs(v) >= 1000:
		return commas(int64(math.Round(v)))
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func commas(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Percentile returns the p-th percentile (0..100) of sorted durations.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// SortDurations sorts d in place and returns it.
func SortDurations(d []time.Duration) []time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d
}

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
