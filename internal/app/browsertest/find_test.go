package browsertest

import (
	"errors"
	"io/fs"
	"os"
	"testing"
)

func TestFindChromium(t *testing.T) {
	file, dir := fakeInfo{}, fakeInfo{dir: true}
	tests := []struct {
		name   string
		debian os.FileInfo // nil: no /usr/bin/chromium
		onPath map[string]string
		want   string
	}{
		{"Debian's", file, map[string]string{"chromium": "/opt/bin/chromium"}, "/usr/bin/chromium"},
		{"a directory is not a browser", dir, nil, ""},
		{"on PATH, in order", nil, map[string]string{"google-chrome": "/opt/g", "chromium-browser": "/snap/bin/chromium-browser"}, "/snap/bin/chromium-browser"},
		{"none", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stat := func(string) (os.FileInfo, error) {
				if tt.debian == nil {
					return nil, fs.ErrNotExist
				}
				return tt.debian, nil
			}
			look := func(name string) (string, error) {
				if p, ok := tt.onPath[name]; ok {
					return p, nil
				}
				return "", errors.New("not found")
			}
			if got := findChromium(stat, look); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

type fakeInfo struct {
	os.FileInfo
	dir bool
}

func (f fakeInfo) IsDir() bool { return f.dir }
