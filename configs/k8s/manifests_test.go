package k8s

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
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

func TestDeploymentPortsAndProbes(t *testing.T) {
	d := deployment(t)
	c := apiContainer(t, d)
	ports := map[string]int32{}
	for _, p := range c.Ports {
		if p.Protocol != "" && p.Protocol != corev1.ProtocolTCP {
			t.Errorf("got port %s protocol %s, want TCP", p.Name, p.Protocol)
		}
		ports[p.Name] = p.ContainerPort
	}
	if want := map[string]int32{httpPortName: httpPort, adminPortName: adminPort}; !mapsEqual(ports, want) {
		t.Errorf("got container ports %v, want %v", ports, want)
	}

	resolve := func(p intstr.IntOrString) int32 {
		if p.Type == intstr.String {
			return ports[p.StrVal]
		}
		return p.IntVal
	}
	probes := []struct {
		name     string
		probe    *corev1.Probe
		wantPath string
		required bool
	}{
		{"liveness", c.LivenessProbe, "/healthz", true},
		{"readiness", c.ReadinessProbe, "/readyz", true},
		{"startup", c.StartupProbe, "/healthz", false},
	}
	for _, p := range probes {
		if p.probe == nil {
			if p.required {
				t.Errorf("got no %s probe, want GET %s on port %s", p.name, p.wantPath, adminPortName)
			}
			continue
		}
		g := p.probe.HTTPGet
		if g == nil {
			t.Errorf("got %s probe without httpGet, want GET %s on port %s", p.name, p.wantPath, adminPortName)
			continue
		}
		if g.Path != p.wantPath || resolve(g.Port) != adminPort || (g.Scheme != "" && g.Scheme != corev1.URISchemeHTTP) {
			t.Errorf("got %s probe %s %s on port %s (%d), want HTTP %s on port %s (%d)",
				p.name, g.Scheme, g.Path, g.Port.String(), resolve(g.Port), p.wantPath, adminPortName, adminPort)
		}
	}

	// The service must listen where the ports say.
	env := plainEnv(c)
	if got := env["PORT"]; got != strconv.Itoa(httpPort) {
		t.Errorf("got PORT=%q, want %d (the %q container port)", got, httpPort, httpPortName)
	}
	admin := env["ADMIN_ADDR"]
	if _, port, err := splitHostPort(admin); err != nil || port != strconv.Itoa(adminPort) {
		t.Errorf("got ADMIN_ADDR=%q, want :%d (the default 127.0.0.1:%d is unreachable for probes)", admin, adminPort, adminPort)
	} else if host, _, _ := splitHostPort(admin); host != "" && host != "0.0.0.0" && host != "::" {
		t.Errorf("got ADMIN_ADDR=%q, want all interfaces (:%d) so the kubelet can probe it", admin, adminPort)
	}
	if host, ok := env["HOST"]; ok && host != "" {
		t.Errorf("got HOST=%q, want it unset (all interfaces)", host)
	}
}

// show prints an optional field: its value, or "unset".
func show[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func splitHostPort(s string) (host, port string, err error) {
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", "", fmt.Errorf("no port in %q", s)
	}
	return strings.Trim(s[:i], "[]"), s[i+1:], nil
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// plainEnv returns the env vars set with a literal value.
func plainEnv(c *corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			m[e.Name] = e.Value
		}
	}
	return m
}

func TestDeploymentEnvIsReadByTheService(t *testing.T) {
	d := deployment(t)
	c := apiContainer(t, d)
	known := envNamesOfService(t)
	seen := map[string]bool{}
	for _, e := range c.Env {
		if seen[e.Name] {
			t.Errorf("got env %s twice, want it once", e.Name)
		}
		seen[e.Name] = true
		if !known[e.Name] && runtimeEnv[e.Name] == "" {
			t.Errorf("got env %s, want only variables the service reads (%s [NAME] comments, ADMIN_ADDR) or the Go runtime's", e.Name, serviceConfig)
		}
		if e.ValueFrom != nil && (e.ValueFrom.SecretKeyRef != nil || e.ValueFrom.FieldRef != nil || e.ValueFrom.ResourceFieldRef != nil) {
			t.Errorf("got env %s from %+v, want a literal or a configMapKeyRef (the API holds no secret)", e.Name, e.ValueFrom)
		}
	}
	if len(c.EnvFrom) > 0 {
		t.Errorf("got envFrom %+v, want each variable named in env so its name can be checked", c.EnvFrom)
	}
	for _, must := range []string{"AUTH0_DOMAIN", "AUTH0_AUDIENCE", "PORT", "ADMIN_ADDR"} {
		if !seen[must] {
			t.Errorf("got no env %s, want it set", must)
		}
	}
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			t.Errorf("got secret volume %s, want none (the API holds no secret)", v.Name)
		}
	}
}

func TestConfigMap(t *testing.T) {
	cm := load[corev1.ConfigMap](t, "configmap.yaml", "v1", "ConfigMap")
	known := envNamesOfService(t)
	for k, v := range cm.Data {
		if !known[k] {
			t.Errorf("got ConfigMap key %s, want only variables the service reads", k)
		}
		if strings.TrimSpace(v) == "" {
			t.Errorf("got ConfigMap %s empty, want a value", k)
		}
	}
	// Every reference from the Deployment resolves.
	c := apiContainer(t, deployment(t))
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.ConfigMapKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.ConfigMapKeyRef
		if ref.Name != cm.Name {
			t.Errorf("got env %s from ConfigMap %q, want %q", e.Name, ref.Name, cm.Name)
		}
		if _, ok := cm.Data[ref.Key]; !ok {
			t.Errorf("got env %s from key %q, want a key of configmap.yaml", e.Name, ref.Key)
		}
		if ref.Optional != nil && *ref.Optional {
			t.Errorf("got env %s optional, want required (the service cannot start without it)", e.Name)
		}
	}
}

func TestDeploymentSecurityContext(t *testing.T) {
	d := deployment(t)
	pod := d.Spec.Template.Spec
	c := apiContainer(t, d)
	psc := pod.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	csc := c.SecurityContext
	if csc == nil {
		t.Fatal("got no container securityContext, want a restrictive one")
	}
	isTrue := func(b *bool) bool { return b != nil && *b }
	isFalse := func(b *bool) bool { return b != nil && !*b }

	if !isTrue(csc.RunAsNonRoot) && !isTrue(psc.RunAsNonRoot) {
		t.Errorf("got runAsNonRoot unset, want true")
	}
	uid := psc.RunAsUser
	if csc.RunAsUser != nil {
		uid = csc.RunAsUser
	}
	if uid == nil || *uid == 0 {
		t.Errorf("got runAsUser %s, want a numeric non-root uid (the kubelet cannot check the image's named USER)", show(uid))
	}
	if !isFalse(csc.AllowPrivilegeEscalation) {
		t.Errorf("got allowPrivilegeEscalation %s, want false", show(csc.AllowPrivilegeEscalation))
	}
	if !isTrue(csc.ReadOnlyRootFilesystem) {
		t.Errorf("got readOnlyRootFilesystem %s, want true", show(csc.ReadOnlyRootFilesystem))
	}
	if isTrue(csc.Privileged) {
		t.Errorf("got privileged true, want false")
	}
	if csc.Capabilities == nil || !slices.Contains(csc.Capabilities.Drop, "ALL") || len(csc.Capabilities.Add) > 0 {
		t.Errorf("got capabilities %+v, want drop [ALL] and nothing added", csc.Capabilities)
	}
	seccomp := psc.SeccompProfile
	if csc.SeccompProfile != nil {
		seccomp = csc.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("got seccompProfile %+v, want RuntimeDefault", seccomp)
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Errorf("got hostNetwork/hostPID/hostIPC %v/%v/%v, want all false", pod.HostNetwork, pod.HostPID, pod.HostIPC)
	}
	if !isFalse(pod.AutomountServiceAccountToken) {
		t.Errorf("got automountServiceAccountToken %s, want false (the API never calls Kubernetes)", show(pod.AutomountServiceAccountToken))
	}
}

func TestDeploymentResourcesAndShutdown(t *testing.T) {
	d := deployment(t)
	c := apiContainer(t, d)
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := c.Resources.Requests[name]
		lim, hasLim := c.Resources.Limits[name]
		switch {
		case !hasReq || !hasLim:
			t.Errorf("got %s request %v and limit %v, want both set", name, hasReq, hasLim)
		case req.Sign() <= 0 || req.Cmp(lim) > 0:
			t.Errorf("got %s request %s and limit %s, want 0 < request <= limit", name, req.String(), lim.String())
		}
	}
	// GOMEMLIMIT, when set, is a soft limit below the hard one.
	if v, ok := plainEnv(c)["GOMEMLIMIT"]; ok {
		soft, err := goMemLimit(v)
		hard := c.Resources.Limits[corev1.ResourceMemory]
		if err != nil || soft >= hard.Value() || soft < hard.Value()/2 {
			t.Errorf("got GOMEMLIMIT=%s (%d bytes, %v), want between half and all of limits.memory %s (%d bytes)",
				v, soft, err, hard.String(), hard.Value())
		}
	}

	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("got replicas %s, want at least 2", show(d.Spec.Replicas))
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.String() != "0" {
		t.Errorf("got rolling update %+v, want maxUnavailable 0 (never below the replica count during a rollout)", ru)
	}

	// SIGKILL must not come before the service has drained and shut down.
	env := plainEnv(c)
	setting := func(envName, path string) time.Duration {
		v, ok := env[envName]
		if !ok {
			v = serviceDefault(t, path)
		}
		if v == "" {
			return 0
		}
		dur, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("got %s=%q, want a duration", envName, v)
		}
		return dur
	}
	shutdown := setting("HTTP_SHUTDOWN_TIMEOUT", "http.shutdown_timeout")
	drain := setting("HTTP_DRAIN_DELAY", "http.drain_delay")
	if shutdown <= 0 {
		t.Fatalf("got shutdown timeout %s from %s, want it positive", shutdown, serviceConfig)
	}
	grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
	if grace == nil || time.Duration(*grace)*time.Second <= drain+shutdown {
		t.Errorf("got terminationGracePeriodSeconds %s, want more than drain %s + shutdown %s", show(grace), drain, shutdown)
	}
	// The drain must outlast the readiness probe's noticing: failing
	// probes one period apart, each up to its timeout.
	if p := c.ReadinessProbe; p == nil {
		t.Errorf("got no readiness probe, want one on /readyz")
	} else {
		seconds := func(v, def int32) time.Duration {
			if v == 0 {
				v = def // the Kubernetes defaults
			}
			return time.Duration(v) * time.Second
		}
		failures := p.FailureThreshold
		if failures == 0 {
			failures = 3
		}
		notice := time.Duration(failures)*seconds(p.PeriodSeconds, 10) + seconds(p.TimeoutSeconds, 1)
		if drain < notice {
			t.Errorf("got drain %s, want at least the readiness probe's %d failures x %s period + %s timeout = %s",
				drain, failures, seconds(p.PeriodSeconds, 10), seconds(p.TimeoutSeconds, 1), notice)
		}
	}
}

// goMemLimit parses GOMEMLIMIT: bytes, or a number with B, KiB, MiB, GiB
// or TiB.
func goMemLimit(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("not a GOMEMLIMIT value")
	}
	return n * mult, nil
}

func TestSelectorsMatchTheDeployment(t *testing.T) {
	d := deployment(t)
	podLabels := labels.Set(d.Spec.Template.Labels)
	matches := func(sel *metav1.LabelSelector) bool {
		s, err := metav1.LabelSelectorAsSelector(sel)
		return err == nil && sel != nil && !s.Empty() && s.Matches(podLabels)
	}
	if !matches(d.Spec.Selector) {
		t.Errorf("got Deployment selector %v, want it to match the pod labels %v", d.Spec.Selector, podLabels)
	}

	svc := load[corev1.Service](t, "service.yaml", "v1", "Service")
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		t.Errorf("got Service selector %v, want it to match the pod labels %v", svc.Spec.Selector, podLabels)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != intstr.FromString(httpPortName) {
		t.Errorf("got Service ports %+v, want one targeting port name %q (and not the admin port)", svc.Spec.Ports, httpPortName)
	}

	pdb := load[policyv1.PodDisruptionBudget](t, "pdb.yaml", "policy/v1", "PodDisruptionBudget")
	if !matches(pdb.Spec.Selector) {
		t.Errorf("got PDB selector %v, want it to match the pod labels %v", pdb.Spec.Selector, podLabels)
	}
	if pdb.Spec.MinAvailable == nil || *pdb.Spec.MinAvailable != intstr.FromInt32(1) || pdb.Spec.MaxUnavailable != nil {
		t.Errorf("got PDB minAvailable %v maxUnavailable %v, want minAvailable 1 only", pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable)
	}

	hpa := load[autoscalingv2.HorizontalPodAutoscaler](t, "hpa.yaml", "autoscaling/v2", "HorizontalPodAutoscaler")
	if ref := hpa.Spec.ScaleTargetRef; ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("got HPA target %+v, want apps/v1 Deployment %s", ref, d.Name)
	}
	minR := int32(1)
	if hpa.Spec.MinReplicas != nil {
		minR = *hpa.Spec.MinReplicas
	}
	if minR < 2 || minR > hpa.Spec.MaxReplicas {
		t.Errorf("got HPA replicas %d..%d, want a minimum of at least 2, at most the maximum", minR, hpa.Spec.MaxReplicas)
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas != minR {
		t.Errorf("got Deployment replicas %d and HPA minReplicas %d, want them equal (a re-apply must not fight the HPA)", *d.Spec.Replicas, minR)
	}
	if pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.IntValue() >= int(minR) {
		t.Errorf("got PDB minAvailable %s with %d replicas, want fewer, or no pod could ever be evicted", pdb.Spec.MinAvailable.String(), minR)
	}
	var cpu bool
	for _, m := range hpa.Spec.Metrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU &&
			m.Resource.Target.Type == autoscalingv2.UtilizationMetricType && m.Resource.Target.AverageUtilization != nil &&
			*m.Resource.Target.AverageUtilization > 0 && *m.Resource.Target.AverageUtilization <= 100 {
			cpu = true
		}
	}
	if !cpu {
		t.Errorf("got HPA metrics %+v, want CPU utilization (1-100%%)", hpa.Spec.Metrics)
	}
	// CPU utilization is relative to the request: without one the HPA
	// cannot compute it.
	if _, ok := apiContainer(t, d).Resources.Requests[corev1.ResourceCPU]; !ok {
		t.Errorf("got no CPU request, want one for the HPA's utilization target")
	}
}

// TestDockerfileAgrees checks the image exposes the ports the Deployment
// uses and runs as the non-root user the Deployment names.
func TestDockerfileAgrees(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var exposed []string
	var user string
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "EXPOSE":
			exposed = append(exposed, f[1:]...)
		case "USER":
			user = strings.Join(f[1:], " ")
		}
	}
	slices.Sort(exposed)
	if want := []string{strconv.Itoa(httpPort), strconv.Itoa(adminPort)}; !slices.Equal(exposed, want) {
		t.Errorf("got EXPOSE %v, want %v", exposed, want)
	}
	// distroless's "nonroot" is uid 65532.
	var uid *int64
	if sc := deployment(t).Spec.Template.Spec.SecurityContext; sc != nil {
		uid = sc.RunAsUser
	}
	if user != "nonroot" && user != "65532" && user != "65532:65532" {
		t.Errorf("got USER %q, want nonroot (uid 65532)", user)
	}
	if uid == nil || *uid != 65532 {
		t.Errorf("got runAsUser %s, want 65532 (distroless nonroot)", show(uid))
	}
}
