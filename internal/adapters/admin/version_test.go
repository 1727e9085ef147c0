package admin

import "testing"

func TestVersion(t *testing.T) {
	tests := []struct {
		name, release, want string // want "" means Go's stamp, whatever it is
	}{
		{"set at link time", "v1.4.2", "v1.4.2"},
		{"unset: Go's stamp", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func(old string) { releaseVersion = old }(releaseVersion)
			releaseVersion = tt.release
			got := version()
			if tt.want != "" && got != tt.want {
				t.Errorf("got version %q, want %q", got, tt.want)
			}
			if got == "" {
				t.Error("got an empty version label")
			}
		})
	}
}
