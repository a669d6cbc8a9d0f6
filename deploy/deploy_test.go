package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// promtool is the path of promtool (Debian package prometheus). Under CI
// its absence fails the test; elsewhere it skips.
func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool not installed (Debian package prometheus; .ci/run installs it)")
		}
		t.Skip("promtool not installed (Debian package prometheus)")
	}
	return p
}

func TestPrometheusRulesCheckAndUnitTests(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "rules.yml"},
		{"test", "rules", "rules_test.yml"},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Dir = "prometheus"
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert  string `json:"alert"`
			Record string `json:"record"`
		} `json:"rules"`
	} `json:"groups"`
}

type ruleTests struct {
	Tests []struct {
		AlertRuleTest []struct {
			Alertname string           `json:"alertname"`
			ExpAlerts []map[string]any `json:"exp_alerts"`
		} `json:"alert_rule_test"`
	} `json:"tests"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// Every alert has a unit test in which it fires.
func TestEveryAlertHasAFiringUnitTest(t *testing.T) {
	var rules ruleFile
	var tests ruleTests
	readYAML(t, "prometheus/rules.yml", &rules)
	readYAML(t, "prometheus/rules_test.yml", &tests)
	fires := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			}
		}
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			if !fires[r.Alert] {
				t.Errorf("alert %s has no unit test in which it fires", r.Alert)
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d alerts found in rules.yml", n)
	}
}

// manifests decodes every document under k8s/ strictly (unknown or
// misspelt fields fail) into its Kubernetes API type.
type manifests struct {
	deployments  []*appsv1.Deployment
	statefulSets []*appsv1.StatefulSet
	jobs         []*batchv1.Job
	services     []*corev1.Service
	configMaps   []*corev1.ConfigMap
	secrets      []*corev1.Secret
	pdbs         []*policyv1.PodDisruptionBudget
}

func loadManifests(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	m := &manifests{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range bytes.Split(b, []byte("\n---\n")) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s #%d: %v", f, i, err)
			}
			var obj any
			switch tm.APIVersion + " " + tm.Kind {
			case "apps/v1 Deployment":
				o := &appsv1.Deployment{}
				m.deployments, obj = append(m.deployments, o), o
			case "apps/v1 StatefulSet":
				o := &appsv1.StatefulSet{}
				m.statefulSets, obj = append(m.statefulSets, o), o
			case "batch/v1 Job":
				o := &batchv1.Job{}
				m.jobs, obj = append(m.jobs, o), o
			case "v1 Service":
				o := &corev1.Service{}
				m.services, obj = append(m.services, o), o
			case "v1 ConfigMap":
				o := &corev1.ConfigMap{}
				m.configMaps, obj = append(m.configMaps, o), o
			case "v1 Secret":
				o := &corev1.Secret{}
				m.secrets, obj = append(m.secrets, o), o
			case "policy/v1 PodDisruptionBudget":
				o := &policyv1.PodDisruptionBudget{}
				m.pdbs, obj = append(m.pdbs, o), o
			default:
				t.Fatalf("%s #%d: unexpected %s %s", f, i, tm.APIVersion, tm.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, obj); err != nil {
				t.Errorf("%s #%d (%s): %v", f, i, tm.Kind, err)
			}
		}
	}
	return m
}

type workload struct {
	name   string
	labels map[string]string
	pod    corev1.PodSpec
}

func (m *manifests) workloads() []workload {
	var out []workload
	for _, d := range m.deployments {
		out = append(out, workload{d.Name, d.Spec.Template.Labels, d.Spec.Template.Spec})
	}
	for _, s := range m.statefulSets {
		out = append(out, workload{s.Name, s.Spec.Template.Labels, s.Spec.Template.Spec})
	}
	return out
}

func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	if len(m.deployments) < 2 || len(m.statefulSets) != 1 || len(m.jobs) != 1 || len(m.configMaps) != 1 || len(m.secrets) != 1 {
		t.Fatalf("want Deployments for api and worker, a StatefulSet for the warehouse, a migrate Job, a ConfigMap and a Secret; got %d/%d/%d/%d/%d",
			len(m.deployments), len(m.statefulSets), len(m.jobs), len(m.configMaps), len(m.secrets))
	}
	for _, w := range m.workloads() {
		for _, c := range w.pod.Containers {
			checkProbe(t, w.name, "liveness", c.LivenessProbe, "/healthz", c.Ports)
			checkProbe(t, w.name, "readiness", c.ReadinessProbe, "/readyz", c.Ports)
		}
		if !coveredByPDB(m.pdbs, w.labels) {
			t.Errorf("%s: no PodDisruptionBudget selects its pods", w.name)
		}
	}
	for _, s := range m.services {
		sel := labels.SelectorFromSet(s.Spec.Selector)
		matched := false
		for _, w := range m.workloads() {
			matched = matched || sel.Matches(labels.Set(w.labels))
		}
		if !matched {
			t.Errorf("service %s selects no workload", s.Name)
		}
	}
	ss := m.statefulSets[0]
	if len(ss.Spec.VolumeClaimTemplates) == 0 {
		t.Error("warehouse StatefulSet has no volume claim template")
	}
	checkReferences(t, m)
}

func checkProbe(t *testing.T, name, kind string, p *corev1.Probe, path string, ports []corev1.ContainerPort) {
	t.Helper()
	if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != path {
		t.Errorf("%s: %s probe must GET %s", name, kind, path)
		return
	}
	for _, port := range ports {
		if port.Name == p.HTTPGet.Port.StrVal || port.ContainerPort == p.HTTPGet.Port.IntVal {
			return
		}
	}
	t.Errorf("%s: %s probe port %s is not a container port", name, kind, p.HTTPGet.Port.String())
}

func coveredByPDB(pdbs []*policyv1.PodDisruptionBudget, podLabels map[string]string) bool {
	for _, p := range pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err == nil && sel.Matches(labels.Set(podLabels)) {
			return true
		}
	}
	return false
}

// checkReferences: every secretKeyRef and configMapKeyRef names a key the
// Secret or ConfigMap here defines.
func checkReferences(t *testing.T, m *manifests) {
	t.Helper()
	secretKeys, configKeys := map[string]bool{}, map[string]bool{}
	for _, s := range m.secrets {
		for k := range s.StringData {
			secretKeys[s.Name+"/"+k] = true
		}
	}
	for _, c := range m.configMaps {
		for k := range c.Data {
			configKeys[c.Name+"/"+k] = true
		}
	}
	pods := []corev1.PodSpec{}
	for _, w := range m.workloads() {
		pods = append(pods, w.pod)
	}
	for _, j := range m.jobs {
		pods = append(pods, j.Spec.Template.Spec)
	}
	for _, p := range pods {
		for _, c := range p.Containers {
			for _, e := range c.Env {
				if e.ValueFrom == nil {
					continue
				}
				if r := e.ValueFrom.SecretKeyRef; r != nil && !secretKeys[r.Name+"/"+r.Key] {
					t.Errorf("%s %s: secret key %s/%s not defined", c.Name, e.Name, r.Name, r.Key)
				}
				if r := e.ValueFrom.ConfigMapKeyRef; r != nil && !configKeys[r.Name+"/"+r.Key] {
					t.Errorf("%s %s: config key %s/%s not defined", c.Name, e.Name, r.Name, r.Key)
				}
			}
		}
	}
}
