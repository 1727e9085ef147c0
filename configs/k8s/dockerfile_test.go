package k8s

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

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
