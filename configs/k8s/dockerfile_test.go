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

// TestDockerfileGoCoversGoMod: the golang image sets GOTOOLCHAIN=local, so
// a build image older than go.mod's go line fails `docker build` instead
// of fetching a newer toolchain.
func TestDockerfileGoCoversGoMod(t *testing.T) {
	data, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var image string
	for line := range strings.SplitSeq(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.EqualFold(f[0], "FROM") && strings.HasPrefix(f[1], "golang:") {
			image = f[1]
		}
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var goLine string
	for line := range strings.SplitSeq(string(mod), "\n") {
		if v, ok := strings.CutPrefix(line, "go "); ok {
			goLine = strings.TrimSpace(v)
		}
	}
	cases := []struct {
		image, goLine string
		want          bool
	}{
		{image, goLine, true}, // the repository's own
		{"golang:1.26-bookworm", "1.26.0", true},
		{"golang:1.26-bookworm", "1.26.9", true}, // the tag follows the newest 1.26.x
		{"golang:1.26.1-bookworm", "1.26.2", false},
		{"golang:1.25-bookworm", "1.26.0", false},
		{"golang:latest", "1.26.0", false}, // not reproducible
		{"golang:1.26-bookworm@sha256:" + strings.Repeat("ab", 32), "1.26.0", true},
	}
	for _, c := range cases {
		if got := goImageCovers(c.image, c.goLine); got != c.want {
			t.Errorf("FROM %s for go %s: got covers %v, want %v", c.image, c.goLine, got, c.want)
		}
	}
}

// goImageCovers reports whether the golang image (golang:1.N[.P][-os][@digest])
// runs a Go at least goLine (1.N[.P]).
func goImageCovers(image, goLine string) bool {
	tag, ok := strings.CutPrefix(image, "golang:")
	if !ok {
		return false
	}
	tag, _, _ = strings.Cut(tag, "@")
	tag, _, _ = strings.Cut(tag, "-")
	have, want := versionParts(tag), versionParts(goLine)
	if len(have) < 2 || len(want) < 2 {
		return false
	}
	for i := range 3 {
		if i >= len(have) {
			return true // a floating tag: the newest patch release
		}
		w := 0
		if i < len(want) {
			w = want[i]
		}
		if have[i] != w {
			return have[i] > w
		}
	}
	return true
}

func versionParts(s string) []int {
	var out []int
	for p := range strings.SplitSeq(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}
