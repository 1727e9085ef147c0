package k8s

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const (
	appName       = "messages-api"
	containerName = "api"
	httpPortName  = "http"
	httpPort      = 3010
	adminPortName = "admin"
	adminPort     = 9090
)

// serviceConfig is the service's settings file: every setting's environment
// variable is written there in brackets.
const serviceConfig = "../config.yaml"

// runtimeEnv are variables read by the Go runtime rather than the service.
var runtimeEnv = map[string]string{
	"GOMEMLIMIT": "the Go runtime's soft memory limit",
}

// decodeStrict decodes one YAML document the way the API server does with
// fieldValidation=Strict: unknown fields, duplicate fields and fields in
// the wrong case are errors, and so are bad quantities and wrong types.
func decodeStrict(data []byte, into runtime.Object) error {
	if docs := regexp.MustCompile(`(?m)^---[ \t]*$`).FindAllIndex(data, -1); len(docs) > 1 ||
		(len(docs) == 1 && strings.TrimSpace(stripComments(string(data[:docs[0][0]]))) != "") {
		return fmt.Errorf("want exactly one YAML document")
	}
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(js, into)
	if err != nil {
		return err
	}
	if len(strict) > 0 {
		var msgs []string
		for _, e := range strict {
			msgs = append(msgs, e.Error())
		}
		return fmt.Errorf("strict decoding: %s", strings.Join(msgs, "; "))
	}
	return nil
}

func stripComments(s string) string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// load decodes file strictly into a T and checks its apiVersion and kind.
func load[T any, PT interface {
	*T
	runtime.Object
}](t *testing.T, file, wantAPIVersion, wantKind string) *T {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	obj := PT(new(T))
	if err := decodeStrict(data, obj); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	apiVersion, kind := obj.GetObjectKind().GroupVersionKind().ToAPIVersionAndKind()
	if apiVersion != wantAPIVersion || kind != wantKind {
		t.Fatalf("%s: got %s %s, want %s %s", file, apiVersion, kind, wantAPIVersion, wantKind)
	}
	return (*T)(obj)
}

func deployment(t *testing.T) *appsv1.Deployment {
	return load[appsv1.Deployment](t, "deployment.yaml", "apps/v1", "Deployment")
}

func apiContainer(t *testing.T, d *appsv1.Deployment) *corev1.Container {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != containerName {
		t.Fatalf("got %d containers, want exactly one named %q", len(cs), containerName)
	}
	return &cs[0]
}

// envNamesOfService returns every environment variable the service reads:
// the bracketed names of config.yaml, plus ADMIN_ADDR.
func envNamesOfService(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(serviceConfig)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{"ADMIN_ADDR": true}
	for _, m := range regexp.MustCompile(`#[^\n]*?\[([A-Z][A-Z0-9_]*)\]`).FindAllSubmatch(data, -1) {
		names[string(m[1])] = true
	}
	// Guard the parser: these must be found, or the regexp is wrong.
	for _, must := range []string{"AUTH0_DOMAIN", "AUTH0_AUDIENCE", "PORT", "LOG_LEVEL", "HTTP_SHUTDOWN_TIMEOUT"} {
		if !names[must] {
			t.Fatalf("got env names %v from %s, want %s among them", names, serviceConfig, must)
		}
	}
	return names
}

// serviceDefault returns the setting at path (e.g. "http.shutdown_timeout")
// in config.yaml, "" when absent.
func serviceDefault(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(serviceConfig)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", serviceConfig, err)
	}
	for key := range strings.SplitSeq(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[key]
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func TestManifestsDecodeStrictly(t *testing.T) {
	files := []struct {
		file string
		load func(*testing.T) metav1.Object
	}{
		{"configmap.yaml", func(t *testing.T) metav1.Object {
			return load[corev1.ConfigMap](t, "configmap.yaml", "v1", "ConfigMap")
		}},
		{"deployment.yaml", func(t *testing.T) metav1.Object { return deployment(t) }},
		{"hpa.yaml", func(t *testing.T) metav1.Object {
			return load[autoscalingv2.HorizontalPodAutoscaler](t, "hpa.yaml", "autoscaling/v2", "HorizontalPodAutoscaler")
		}},
		{"pdb.yaml", func(t *testing.T) metav1.Object {
			return load[policyv1.PodDisruptionBudget](t, "pdb.yaml", "policy/v1", "PodDisruptionBudget")
		}},
		{"service.yaml", func(t *testing.T) metav1.Object { return load[corev1.Service](t, "service.yaml", "v1", "Service") }},
	}
	// Every manifest in the directory is checked here.
	found, _ := filepath.Glob("*.y*ml")
	var listed []string
	for _, f := range files {
		listed = append(listed, f.file)
	}
	slices.Sort(found)
	if !slices.Equal(found, listed) {
		t.Errorf("got manifests %q, want %q (add new files to this test)", found, listed)
	}
	for _, f := range files {
		t.Run(f.file, func(t *testing.T) {
			obj := f.load(t)
			if obj.GetName() != appName {
				t.Errorf("got name %q, want %q", obj.GetName(), appName)
			}
			if obj.GetNamespace() != "" {
				t.Errorf("got namespace %q, want none (apply with kubectl -n)", obj.GetNamespace())
			}
			if got := obj.GetLabels()["app.kubernetes.io/name"]; got != appName {
				t.Errorf("got label app.kubernetes.io/name=%q, want %q", got, appName)
			}
			for k, v := range obj.GetLabels() {
				if errs := validation.IsQualifiedName(k); len(errs) > 0 {
					t.Errorf("got label key %q: %v", k, errs)
				}
				if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
					t.Errorf("got label value %q: %v", v, errs)
				}
			}
		})
	}
}

// TestStrictDecoderRejects makes sure the decoder above would catch the
// mistakes it is there for.
func TestStrictDecoderRejects(t *testing.T) {
	const head = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n"
	tests := []struct {
		name, yaml string
	}{
		{"unknown field", head + "spec:\n  replica: 2\n"},
		{"field in the wrong case", head + "spec:\n  Replicas: 2\n"},
		{"duplicate field", head + "spec:\n  replicas: 2\n  replicas: 3\n"},
		{"wrong type", head + "spec:\n  replicas: two\n"},
		{"bad quantity", head + "spec:\n  template:\n    spec:\n      containers:\n        - name: a\n          resources:\n            limits:\n              memory: lots\n"},
		{"two documents", head + "---\n" + head},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := decodeStrict([]byte(tt.yaml), &appsv1.Deployment{}); err == nil {
				t.Errorf("got no error, want one")
			}
		})
	}
	if err := decodeStrict([]byte("# comment\n---\n"+head), &appsv1.Deployment{}); err != nil {
		t.Errorf("got error %v for a leading ---, want none", err)
	}
}

// show prints an optional field: its value, or "unset".
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}
