package app_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pausedReader reads r until pause, then reads nothing until resume: a
// log shipper that stops reading the service's stderr.
type pausedReader struct {
	r      io.Reader
	mu     sync.Mutex
	paused chan struct{} // non-nil while paused; closed by resume
}

func (p *pausedReader) Read(b []byte) (int, error) {
	p.mu.Lock()
	gate := p.paused
	p.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return p.r.Read(b)
}

func (p *pausedReader) pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paused = make(chan struct{})
}

func (p *pausedReader) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused != nil {
		close(p.paused)
		p.paused = nil
	}
}

// TestStalledStderr: when nothing reads the service's stderr (a stalled
// log shipper, a full pipe), requests are still answered, the lines that
// cannot be written are dropped and counted, and SIGTERM still stops the
// process with exit 0. Before, the access line of about the thousandth
// request blocked every request, and the stop, for good.
func TestStalledStderr(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	var reader *pausedReader
	b := startBinaryReading(t, nil, func(r io.Reader) io.Reader { reader = &pausedReader{r: r}; return reader }, buildAPI(t))
	t.Cleanup(reader.resume) // before the fixture's cleanup: its wait reads to the end
	b.logs.waitFor(t, "app", "started")
	reader.pause()

	// Far more access lines (about 500 bytes each, with this agent) than
	// the log buffer (256 KiB), the sink's pending bound (1 MiB) and the
	// pipe (64 KiB) hold.
	getPublic(t, b, 4000, "stalled-stderr-test/1.0 "+strings.Repeat("x", 200))
	wantLinesDropped(t, b)
	// The stop's own lines cannot be written either: it stops all the same.
	stopsWithExit0(t, b)
}

// getPublic sends n requests for /api/public with agent as User-Agent, each
// wanting 200. Each is bounded: one that hangs fails the test.
func getPublic(t *testing.T, b *binary, n int, agent string) {
	t.Helper()
	client := &http.Client{Timeout: 20 * time.Second}
	for i := range n {
		req, _ := http.NewRequest(http.MethodGet, "http://"+b.api+"/api/public", nil)
		req.Header.Set("User-Agent", agent)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: got %d, want 200", i+1, resp.StatusCode)
		}
	}
}

// wantLinesDropped checks that the service has counted log lines dropped.
func wantLinesDropped(t *testing.T, b *binary) {
	t.Helper()
	_, metrics := get(t, "http://"+b.admin+"/metrics", "")
	if n := metricValue(metrics, "messages_api_log_lines_dropped_total"); n <= 0 {
		t.Errorf("got messages_api_log_lines_dropped_total %v, want lines counted as dropped", n)
	}
}

// stopsWithExit0 sends SIGTERM and wants the process to exit 0.
func stopsWithExit0(t *testing.T, b *binary) {
	t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute) // a hang detector, not a timing check
	defer cancel()
	type exit struct {
		state *os.ProcessState
		err   error
	}
	exited := make(chan exit, 1)
	go func() { st, err := b.cmd.Process.Wait(); exited <- exit{st, err} }()
	select {
	case e := <-exited:
		if e.err != nil {
			t.Fatal(e.err)
		}
		if code := e.state.ExitCode(); code != 0 {
			t.Errorf("got exit code %d (%v), want 0", code, e.state)
		}
	case <-ctx.Done():
		t.Fatal("the process did not exit after SIGTERM")
	}
}

// metricValue is the value of the first sample of name in a Prometheus
// text exposition, or -1 when there is none.
func metricValue(exposition, name string) float64 {
	for line := range strings.Lines(exposition) {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			if v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64); err == nil {
				return v
			}
		}
	}
	return -1
}

// TestStderrReaderGone: when the reader of the service's stderr goes away
// (a log shipper restarted, the pipe closed), writes fail with EPIPE; the
// service goes on answering, counts the lines as dropped, and stops with
// exit 0 on SIGTERM. Before, the first write after it killed the process
// with SIGPIPE (exit 141), in-flight requests and all.
func TestStderrReaderGone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	var pipe io.Closer
	b := startBinaryReading(t, nil, func(r io.Reader) io.Reader { pipe = r.(io.Closer); return r }, buildAPI(t))
	b.logs.waitFor(t, "app", "started")
	if err := pipe.Close(); err != nil {
		t.Fatal(err)
	}
	// More access lines than the log buffer (256 KiB) holds: it is written
	// out at least once into the closed pipe.
	getPublic(t, b, 2000, "stderr-gone-test/1.0")
	wantLinesDropped(t, b)
	stopsWithExit0(t, b)
}
