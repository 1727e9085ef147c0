package k8s

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// buildInputs lists, relative to the repository root, every file `go build
// ./cmd/api` reads from the main module: go.mod, go.sum and each package's
// Go, assembly and embedded files.
func buildInputs(t *testing.T) []string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "-C", root, "list", "-deps", "-json=Dir,Module,GoFiles,SFiles,EmbedFiles", "./cmd/api").Output()
	if err != nil {
		t.Fatalf("go list ./cmd/api: %v", err)
	}
	files := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct {
			Dir                         string
			Module                      *struct{ Main bool }
			GoFiles, SFiles, EmbedFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		for _, f := range append(append(p.GoFiles, p.SFiles...), p.EmbedFiles...) {
			rel, err := filepath.Rel(root, filepath.Join(p.Dir, f))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, filepath.ToSlash(rel))
		}
	}
	return files
}

// TestDockerContextHoldsTheBuild: CI compiles the Dockerfile's build line in
// the full checkout (.ci/dockerfile-build.sh), which .dockerignore does not
// filter, so a pattern that drops an embedded template or config would
// only fail in `docker build`. Each row adds patterns to the real file.
func TestDockerContextHoldsTheBuild(t *testing.T) {
	f, err := os.Open("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	base, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	inputs := buildInputs(t)
	if len(inputs) < 10 {
		t.Fatalf("got build inputs %v, want the service's packages", inputs)
	}
	cases := []struct {
		name  string
		extra []string
		want  bool // the context holds every input
	}{
		{"the real .dockerignore", nil, true},
		{"the embedded config", []string{"configs"}, false},
		{"the embedded OpenAPI document", []string{"**/*.json"}, false},
		{"the dev tenant's templates", []string{"**/templates"}, false},
		{"go.sum", []string{"go.sum"}, false},
		{"excluded, then let back in", []string{"internal", "!internal"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pm, err := patternmatcher.New(append(append([]string{}, base...), c.extra...))
			if err != nil {
				t.Fatal(err)
			}
			var dropped []string
			for _, in := range inputs {
				if ok, err := pm.MatchesOrParentMatches(in); err != nil || ok {
					dropped = append(dropped, in)
				}
			}
			if got := len(dropped) == 0; got != c.want {
				t.Errorf("got the context holding every build input %v (dropped %v), want %v", got, dropped, c.want)
			}
		})
	}
}
