package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// buildAPI builds the service's binary into a temporary directory.
func buildAPI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "api")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/example/messages-api/cmd/api").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// binary is the service's binary running in dev mode.
type binary struct {
	cmd        *exec.Cmd
	logs       *logLines
	api, admin string // bound addresses
}

// startBinary runs bin in dev mode on free loopback ports with JSON logs and
// environ added, and returns once it is ready; the test's end kills it if
// it is still running.
func startBinary(t *testing.T, bin string, environ ...string) *binary {
	t.Helper()
	return startBinaryUnder(t, nil, bin, environ...)
}

// startBinaryUnder is startBinary with bin run by the command under (such
// as nohup), which execs it in the same process.
func startBinaryUnder(t *testing.T, under []string, bin string, environ ...string) *binary {
	t.Helper()
	return startBinaryReading(t, under, func(r io.Reader) io.Reader { return r }, bin, environ...)
}

// startBinaryReading is startBinaryUnder with the process's stderr read
// through reader(stderr).
func startBinaryReading(t *testing.T, under []string, reader func(io.Reader) io.Reader, bin string, environ ...string) *binary {
	t.Helper()
	// The example SPA on a port of its own and the signing key in a temporary
	// file: the test touches neither port 3000 nor the user's cache.
	file := filepath.Join(t.TempDir(), "c.yaml")
	yaml := fmt.Sprintf("dev_tenant:\n  spa_addr: 127.0.0.1:0\n  key_file: %s\n", filepath.Join(t.TempDir(), "key.pem"))
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	// A hang detector only, past waitFor's bound: a binary a test has not
	// stopped by then is killed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	// The issuer is fixed in the child's config before it starts, so the
	// tenant's socket is opened here and inherited (fd 3), never re-bound.
	tenant, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tenant.Close() })
	tenantFile, err := tenant.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tenantFile.Close() })
	argv := append(append(slices.Clone(under), bin), "-dev", "-config", file)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.ExtraFiles = []*os.File{tenantFile}
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LOG_FORMAT=json", "PORT=0", "ADMIN_ADDR=127.0.0.1:0",
		"DEV_TENANT_ADDR=" + tenant.Addr().String(), "DEV_TENANT_FD=3"}, environ...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &binary{cmd: cmd, logs: readLogLines(reader(stderr))}
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range b.logs.all() {
				t.Log(l.raw)
			}
		}
		cancel()
		_ = cmd.Wait() // reaps it; an error here is the test's own kill
	})
	b.api = b.logs.waitFor(t, "httpapi", "listening")["addr"]
	b.admin = b.logs.waitFor(t, "admin", "admin listening")["addr"]
	waitFor(t, func() bool { s, _ := tryGet("http://" + b.admin + "/readyz"); return s == 200 }, "ready binary")
	return b
}

// wait waits for the process to exit. Its output is read to the end first:
// cmd.Wait closes the pipe, and lines not yet read would be lost.
func (b *binary) wait() error {
	b.logs.waitEOF()
	return b.cmd.Wait()
}

type logLine struct {
	raw    string
	fields map[string]string
}

// logLines collects the JSON log lines of a process as they come.
type logLines struct {
	mu    sync.Mutex
	lines []logLine
	more  chan struct{} // closed and replaced on each line; nil at EOF
}

func readLogLines(r io.Reader) *logLines {
	l := &logLines{more: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := logLine{raw: sc.Text(), fields: map[string]string{}}
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				for k, v := range m {
					line.fields[k] = fmt.Sprint(v)
				}
			}
			l.mu.Lock()
			l.lines = append(l.lines, line)
			close(l.more)
			l.more = make(chan struct{})
			l.mu.Unlock()
		}
		l.mu.Lock()
		close(l.more)
		l.more = nil
		l.mu.Unlock()
	}()
	return l
}

// waitEOF returns once the process's output has ended.
func (l *logLines) waitEOF() {
	for {
		l.mu.Lock()
		more := l.more
		l.mu.Unlock()
		if more == nil {
			return
		}
		<-more
	}
}

func (l *logLines) all() []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logLine(nil), l.lines...)
}

// waitFor returns the first line logged by logger with message msg,
// waiting for it until the process's output ends.
func (l *logLines) waitFor(t *testing.T, logger, msg string) map[string]string {
	t.Helper()
	for {
		l.mu.Lock()
		for _, line := range l.lines {
			if line.fields["logger"] == logger && line.fields["msg"] == msg {
				l.mu.Unlock()
				return line.fields
			}
		}
		more := l.more
		l.mu.Unlock()
		if more == nil {
			t.Fatalf("got no log line %q from %s", msg, logger)
		}
		<-more
	}
}

// index is the position of the first line that match accepts, or -1.
func (l *logLines) index(match func(logLine) bool) int {
	for i, line := range l.all() {
		if match(line) {
			return i
		}
	}
	return -1
}

func tryGet(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
