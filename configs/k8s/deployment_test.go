package k8s

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

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

	// Prometheus finds the pods by these annotations (the Service leaves
	// the admin port out).
	ann := d.Spec.Template.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != strconv.Itoa(adminPort) || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("got scrape annotations %v, want scrape \"true\", port %d, path /metrics", ann, adminPort)
	}
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
	// The service's own stop budget (internal/app stopTimeout) adds 5s after
	// the API for the hooks stopped later (trace flush, log sync).
	const afterAPI = 5 * time.Second
	grace := d.Spec.Template.Spec.TerminationGracePeriodSeconds
	if grace == nil || time.Duration(*grace)*time.Second <= drain+shutdown+afterAPI {
		t.Errorf("got terminationGracePeriodSeconds %s, want more than drain %s + shutdown %s + %s for the later stop hooks",
			show(grace), drain, shutdown, afterAPI)
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

// TestDeploymentImageIsPinned: a moving tag (":latest", or none) with
// IfNotPresent leaves each node on whatever it pulled first, and a new push
// never changes the pod template, so apply rolls nothing out.
func TestDeploymentImageIsPinned(t *testing.T) {
	image := apiContainer(t, deployment(t)).Image
	digest := regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)
	cases := []struct {
		image string
		want  bool
	}{
		{image, true}, // the manifest's own
		{"ghcr.io/example/messages-api:latest", false},
		{"ghcr.io/example/messages-api", false},
		{"ghcr.io/example/messages-api:v1.2.3", false},
		{"ghcr.io/example/messages-api@sha256:abc", false},
		{"ghcr.io/example/messages-api:v1.2.3@sha256:" + strings.Repeat("ab", 32), true},
	}
	for _, c := range cases {
		if got := digest.MatchString(c.image); got != c.want {
			t.Errorf("image %q: got pinned by digest %v, want %v", c.image, got, c.want)
		}
	}
}
