package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/example/messages-api/internal/app"
)

// run is app.Run with the test binary's GOGC restored afterwards: Run sets
// the process's GOGC, as the service's main would.
func run(t *testing.T, args, environ []string, stderr *strings.Builder) int {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	return app.Run(args, environ, stderr)
}

// TestTakenPortStopsStartup holds each listener's address taken and checks
// that start-up stops with exit 1 and one line naming the setting, the
// address and what to do.
func TestTakenPortStopsStartup(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	tests := []struct {
		name    string
		args    []string
		environ []string
		want    string
	}{
		{"API", nil, append(append([]string{}, prodEnv...), "PORT="+port),
			"api: cannot listen on " + addr + " for PORT (http.port): address already in use; is another instance running? set PORT to a free one"},
		// DEV_TENANT_FD names a socket for the dev tenant only: outside dev
		// mode the descriptor, whatever it is, is never touched.
		{"API, DEV_TENANT_FD ignored outside dev mode", nil, append(append([]string{}, prodEnv...), "PORT="+port, "DEV_TENANT_FD=abc"),
			"api: cannot listen on " + addr + " for PORT (http.port): address already in use; is another instance running? set PORT to a free one"},
		{"admin", nil, append(append([]string{}, prodEnv...), "ADMIN_ADDR="+addr),
			"api: cannot listen on " + addr + " for ADMIN_ADDR (admin.addr): address already in use; is another instance running? set ADMIN_ADDR to a free one"},
		{"dev tenant", []string{"-dev", "-config", keyFileConfig(t)}, []string{"PORT=0", "ADMIN_ADDR=127.0.0.1:0", "DEV_TENANT_ADDR=" + addr, "LOG_LEVEL=error"},
			"api: cannot listen on " + addr + " for DEV_TENANT_ADDR (dev_tenant.addr): address already in use; is another instance running? set DEV_TENANT_ADDR to a free one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent() // by id: goroutines of earlier tests do not count
			var stderr strings.Builder
			if got := run(t, tt.args, append(tt.environ, "LOG_LEVEL=error"), &stderr); got != 1 {
				t.Errorf("got exit code %d, want 1", got)
			}
			if got := strings.TrimSpace(stderr.String()); got != tt.want {
				t.Errorf("got\n%s\nwant exactly one line:\n%s", got, tt.want)
			}
			// Run returned: nothing it started runs on (the log buffer's
			// flush loop, the verifier's cache cleanups, the key source).
			goleak.VerifyNone(t, ignore)
		})
	}
}

// TestUnassignedAddressStopsStartup: an address no interface of the machine
// has (192.0.2.1, TEST-NET-1) is named with the setting that chose it,
// matched by host as well as port (both listeners are on port 0 here), and
// the hint names the setting that holds the host.
func TestUnassignedAddressStopsStartup(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    string
	}{
		{"API host", []string{"HOST=192.0.2.1"},
			"api: cannot listen on 192.0.2.1:0 for PORT (http.port): bind: cannot assign requested address; no interface of this machine has that address: set HOST"},
		{"admin host", []string{"ADMIN_ADDR=192.0.2.1:0"},
			"api: cannot listen on 192.0.2.1:0 for ADMIN_ADDR (admin.addr): bind: cannot assign requested address; no interface of this machine has that address: set ADMIN_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			environ := append(append(slices.Clone(prodEnv), tt.environ...), "LOG_LEVEL=error")
			if got := run(t, nil, environ, &stderr); got != 1 {
				t.Errorf("got exit code %d, want 1", got)
			}
			if got := strings.TrimSpace(stderr.String()); got != tt.want {
				t.Errorf("got\n%s\nwant exactly one line:\n%s", got, tt.want)
			}
		})
	}
}

// keyFileConfig is a config file that keeps the dev tenant's signing key in
// t's temporary directory, out of the user's cache.
func keyFileConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "key-file.yaml")
	if err := os.WriteFile(file, []byte("dev_tenant:\n  key_file: "+filepath.Join(dir, "key.pem")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestBadDevTenantFD checks that a DEV_TENANT_FD that cannot name an
// inherited socket is a configuration error, exit 2, naming the variable.
func TestBadDevTenantFD(t *testing.T) {
	for _, val := range []string{"abc", "-1", "2"} {
		t.Run(val, func(t *testing.T) {
			var stderr strings.Builder
			got := run(t, []string{"-dev", "-config", keyFileConfig(t)}, []string{"DEV_TENANT_FD=" + val, "LOG_LEVEL=error"}, &stderr)
			want := `DEV_TENANT_FD "` + val + `": want the number of an inherited file descriptor, 3 or more`
			if got != 2 || !strings.Contains(stderr.String(), want) {
				t.Errorf("got exit %d, stderr %q; want exit 2 and %q", got, stderr.String(), want)
			}
		})
	}
}

// TestBadDevKeyFileStopsStartup checks that a dev signing key file others
// can read, or one that is no PEM key, stops start-up with exit 1 and one
// line holding the dev tenant's fix, not Fx's chain of constructors.
func TestBadDevKeyFileStopsStartup(t *testing.T) {
	tests := []struct {
		name string
		data string
		mode os.FileMode
		want string
	}{
		{"readable by others", "", 0o644, "has mode 0644, readable by others: run chmod 600"},
		{"not PEM", "garbage\n", 0o600, `not a PEM "PRIVATE KEY" block: delete`},
	}
	// The tenant needs a port of its own (not 0) but never gets to listen:
	// one held here is one no other test takes meanwhile.
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgFile := keyFileConfig(t)
			key := filepath.Join(filepath.Dir(cfgFile), "key.pem")
			if err := os.WriteFile(key, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(key, tt.mode); err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			got := run(t, []string{"-dev", "-config", cfgFile},
				[]string{"PORT=0", "ADMIN_ADDR=127.0.0.1:0", "DEV_TENANT_ADDR=" + held.Addr().String(), "DEV_TENANT_SPA_ADDR=", "LOG_LEVEL=error"}, &stderr)
			line := strings.TrimSpace(stderr.String())
			if got != 1 || strings.Count(line, "\n") != 0 || !strings.Contains(line, tt.want) ||
				!strings.HasPrefix(line, "api: cannot compose the service: devtenant: key file "+key) {
				t.Errorf("got exit %d, stderr\n%s\nwant exit 1 and one line starting %q holding %q", got, line,
					"api: cannot compose the service: devtenant: key file "+key, tt.want)
			}
		})
	}
}

// TestCommandLine: -h prints what each flag does and exits 0; a flag that
// does not exist or a stray argument is a usage error, exit 2, with the
// usage line.
func TestCommandLine(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		want     []string
	}{
		{[]string{"-h"}, 0, []string{"usage: api [-dev [-dev-reset]] [-config FILE]", "-dev ", "-dev-reset", "-config FILE", "README"}},
		{[]string{"--help"}, 0, []string{"usage: api", "-config FILE"}},
		{[]string{"-version"}, 2, []string{"flag provided but not defined: -version", "usage: api"}},
		{[]string{"serve"}, 2, []string{`unexpected argument "serve"`, "usage: api"}},
		// The tenant's URL given as an argument: stderr is the service's log, so a credential in it is not repeated.
		{[]string{"-dev", "https://user:S3CRET@example.eu.auth0.com/?key=S3CRET"}, 2, []string{`unexpected argument "https://REDACTED@example.eu.auth0.com/?REDACTED"`}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stderr strings.Builder
			got := run(t, tt.args, nil, &stderr)
			if got != tt.wantCode {
				t.Errorf("got exit %d, want %d", got, tt.wantCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("got stderr\n%s\nwant it to contain %q", stderr.String(), w)
				}
			}
			if strings.Contains(stderr.String(), "S3CRET") {
				t.Errorf("got stderr\n%s\nwant no credential repeated", stderr.String())
			}
			if tt.wantCode == 0 && strings.Contains(stderr.String(), "error") {
				t.Errorf("got stderr\n%s\nwant help, not an error", stderr.String())
			}
		})
	}
}

// TestFailedStartEndsWithItsLine runs the binary with the dev tenant's
// address taken: the JSON lines buffered before the failure are written
// first, none of them Fx's, and Run's one line naming the setting comes
// after them, where an operator (or a container's last lines) reads it.
func TestFailedStartEndsWithItsLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildAPI(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	yaml := "dev_tenant:\n  spa_addr: 127.0.0.1:0\n  key_file: " + filepath.Join(dir, "key.pem") + "\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hang detector only
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-dev", "-config", file)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LOG_FORMAT=json", "PORT=0", "ADMIN_ADDR=127.0.0.1:0", "DEV_TENANT_ADDR=" + addr}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("got exit %v, want exit status 1", err)
	}
	want := "api: cannot listen on " + addr + " for DEV_TENANT_ADDR (dev_tenant.addr): address already in use; is another instance running? set DEV_TENANT_ADDR to a free one"
	warned, said := -1, -1
	for i, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var m map[string]any
		switch {
		case l == want:
			said = i
		case json.Unmarshal([]byte(l), &m) != nil:
			t.Errorf("got line %s, want JSON log lines and Run's one line", l)
		case m["logger"] == "fx":
			t.Errorf("got Fx's own line %s, want its events at debug", l)
		case m["msg"] == "DEV MODE: serving tokens from the local dev tenant; never use -dev in production":
			warned = i
		}
	}
	if warned < 0 || said < warned {
		t.Errorf("got the dev mode warning at line %d and Run's at %d, want both, Run's after the lines logged before the failure (stderr:\n%s)", warned, said, stderr.String())
	}
}
