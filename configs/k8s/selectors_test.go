package k8s

import (
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

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
	// kubectl apply sets every field the manifest names, so a replica
	// count here would scale an autoscaled Deployment back down to it on
	// each apply: the HPA alone owns spec.replicas.
	if d.Spec.Replicas != nil {
		t.Errorf("got Deployment replicas %d under an HPA (minReplicas %d), want spec.replicas unset", *d.Spec.Replicas, minR)
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
