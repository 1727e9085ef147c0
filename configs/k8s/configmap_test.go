package k8s

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

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
