package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const deployDir = "../../deploy"

// invocation is one process a deployment file starts: cch args with env.
type invocation struct {
	where string
	args  []string
	env   map[string]string
}

func (inv invocation) name() string {
	if len(inv.args) > 1 && inv.args[0] == "migrate" {
		return "migrate " + inv.args[1]
	}
	return inv.args[0]
}

// built reports whether this binary has the invocation's command (and
// migrate verb).
func (inv invocation) built() bool {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == inv.args[0] })
	if i < 0 {
		return false
	}
	return inv.args[0] != "migrate" || (len(inv.args) > 1 && slices.Contains(migrateVerbs, inv.args[1]))
}

// check parses the invocation with the command's real flag set, its
// environment set as the deployment sets it, and checks every CCH_*
// variable it sets is a flag of that command.
func (inv invocation) check(t *testing.T) {
	t.Helper()
	if !inv.built() {
		t.Errorf("%s: cch %s is not a cch command", inv.where, strings.Join(inv.args, " "))
		return
	}
	cmd := commands[slices.IndexFunc(commands, func(c command) bool { return c.name == inv.args[0] })]
	for k, v := range inv.env {
		t.Setenv(k, v)
	}
	var stderr bytes.Buffer
	if err := cmd.new(io.Discard, &stderr).Parse(inv.args[1:]); err != nil {
		t.Errorf("%s: cch %s: %v", inv.where, strings.Join(inv.args, " "), err)
	}
	help := helpText(cmd, inv.args)
	for k := range inv.env {
		if strings.HasPrefix(k, "CCH_") && !strings.Contains(help, "["+k+"]") {
			t.Errorf("%s: %s is not a flag of cch %s", inv.where, k, inv.name())
		}
	}
}

func helpText(cmd command, args []string) string {
	var stderr bytes.Buffer
	h := []string{"-h"}
	if args[0] == "migrate" {
		h = []string{args[1], "-h"}
	}
	_ = cmd.new(io.Discard, &stderr).Parse(h)
	return stderr.String()
}

var composeVar = regexp.MustCompile(`\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}`)

// composeInvocations reads deploy/compose.yaml's services built from the
// cch image; ${VAR} references are replaced by sample values. vars are the
// referenced variables.
func composeInvocations(t *testing.T) (invs []invocation, vars map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deployDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]struct {
			Image       string            `json:"image"`
			Command     []string          `json:"command"`
			Environment map[string]string `json:"environment"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	vars = map[string]bool{}
	for _, m := range composeVar.FindAllStringSubmatch(string(b), -1) {
		vars[m[1]] = true
	}
	sub := func(s string) string { return composeVar.ReplaceAllString(s, "sample") }
	for name, s := range f.Services {
		if !strings.HasPrefix(s.Image, "carcarehub/cch:") {
			continue
		}
		if len(s.Command) == 0 {
			t.Errorf("compose service %s runs the image's default command", name)
			continue
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			env[k] = sub(v)
		}
		invs = append(invs, invocation{where: "compose " + name, args: s.Command, env: env})
	}
	return invs, vars
}

func TestComposeServicesRunRealCommands(t *testing.T) {
	invs, vars := composeInvocations(t)
	var names []string
	for _, inv := range invs {
		names = append(names, inv.name())
		inv.check(t)
	}
	sort.Strings(names)
	for _, want := range []string{"api", "migrate apply", "warehouse", "worker"} {
		if !slices.Contains(names, want) {
			t.Errorf("compose runs no cch %s (runs %v)", want, names)
		}
	}
	if n := strings.Count(strings.Join(names, ","), "api"); n < 2 {
		t.Errorf("compose runs %d APIs, want 2", n)
	}
	// Every variable compose reads is one .env.example lists, and back.
	b, err := os.ReadFile(filepath.Join(deployDir, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, _, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			listed[k] = true
		}
	}
	for v := range vars {
		if !listed[v] && v != "CCH_IMAGE_TAG" {
			t.Errorf("compose reads ${%s}, which .env.example does not list", v)
		}
	}
	for v := range listed {
		if !vars[v] {
			t.Errorf(".env.example lists %s, which compose never reads", v)
		}
	}
}

// k8sInvocations reads every cch container under deploy/k8s. Values from
// Secrets and ConfigMaps are given sample values of their kind.
func k8sInvocations(t *testing.T) []invocation {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(deployDir, "k8s", "*.yaml"))
	configs := map[string]string{}
	var pods []struct {
		where string
		spec  corev1.PodSpec
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range bytes.Split(b, []byte("\n---\n")) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatal(err)
			}
			switch tm.Kind {
			case "Deployment", "StatefulSet":
				var d appsv1.Deployment // the fields read are common to both
				if err := yaml.Unmarshal(doc, &d); err != nil {
					t.Fatal(err)
				}
				pods = append(pods, struct {
					where string
					spec  corev1.PodSpec
				}{tm.Kind + " " + d.Name, d.Spec.Template.Spec})
			case "Job":
				var j batchv1.Job
				if err := yaml.Unmarshal(doc, &j); err != nil {
					t.Fatal(err)
				}
				pods = append(pods, struct {
					where string
					spec  corev1.PodSpec
				}{"Job " + j.Name, j.Spec.Template.Spec})
			case "ConfigMap":
				var c corev1.ConfigMap
				if err := yaml.Unmarshal(doc, &c); err != nil {
					t.Fatal(err)
				}
				for k, v := range c.Data {
					configs[c.Name+"/"+k] = v
				}
			}
		}
	}
	var invs []invocation
	for _, p := range pods {
		for _, c := range p.spec.Containers {
			env := map[string]string{}
			for _, e := range c.Env {
				switch {
				case e.ValueFrom == nil:
					env[e.Name] = e.Value
				case e.ValueFrom.ConfigMapKeyRef != nil:
					env[e.Name] = configs[e.ValueFrom.ConfigMapKeyRef.Name+"/"+e.ValueFrom.ConfigMapKeyRef.Key]
				default:
					env[e.Name] = "sample-secret"
				}
			}
			if len(c.Args) == 0 {
				t.Errorf("%s: container %s has no args", p.where, c.Name)
				continue
			}
			invs = append(invs, invocation{where: fmt.Sprintf("%s/%s", p.where, c.Name), args: c.Args, env: env})
		}
	}
	return invs
}

func TestKubernetesContainersRunRealCommands(t *testing.T) {
	invs := k8sInvocations(t)
	if len(invs) < 4 {
		t.Fatalf("found %d cch containers, want api, worker, warehouse and migrate", len(invs))
	}
	for _, inv := range invs {
		inv.check(t)
	}
}

// metricNames are the metric names PromQL expressions read: identifiers
// outside label matchers, ranges, grouping clauses and strings that are
// not functions or keywords. Recorded names contain a colon.
func metricNames(expr string) []string {
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`"[^"]*"`),
		regexp.MustCompile(`\{[^}]*\}`),
		regexp.MustCompile(`\[[^\]]*\]`),
		regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`),
	} {
		expr = re.ReplaceAllString(expr, " ")
	}
	keywords := map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true}
	var out []string
	for _, m := range regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`).FindAllString(expr, -1) {
		if strings.HasSuffix(m, "(") || keywords[m] {
			continue
		}
		out = append(out, m)
	}
	return out
}

// deployExpressions are every PromQL expression of the Prometheus rules
// and the Grafana dashboard, and the names the rules record.
func deployExpressions(t *testing.T) (exprs map[string]string, recorded map[string]bool) {
	t.Helper()
	exprs, recorded = map[string]string{}, map[string]bool{}
	var rules struct {
		Groups []struct {
			Rules []struct{ Alert, Record, Expr string } `json:"rules"`
		} `json:"groups"`
	}
	b, err := os.ReadFile(filepath.Join(deployDir, "prometheus", "rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs["rule "+r.Alert+r.Record] = r.Expr
			if r.Record != "" {
				recorded[r.Record] = true
			}
		}
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	b, err = os.ReadFile(filepath.Join(deployDir, "grafana", "cch.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	for _, p := range dash.Panels {
		for i, tg := range p.Targets {
			exprs[fmt.Sprintf("panel %q #%d", p.Title, i)] = tg.Expr
		}
	}
	return exprs, recorded
}

func TestMetricNamesParsedFromPromQL(t *testing.T) {
	got := metricNames(`sum by (job, le) (rate(cch_a_bucket{status=~"5.."}[5m])) / on (job) max(cch:b:rate5m) > 0.5 unless up{job="x"} == 0`)
	want := []string{"cch_a_bucket", "cch:b:rate5m", "up"}
	if !slices.Equal(got, want) {
		t.Errorf("metricNames = %v, want %v", got, want)
	}
}
