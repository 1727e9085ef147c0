package app

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/fx"
	"go.uber.org/zap"
)

// maxPending bounds the log bytes waiting for stderr: four of the JSON
// logger's 256 KiB flushes. A reader slower than the logs for longer than
// that takes costs lines past it, never requests.
const maxPending = 1 << 20

// exitWait bounds how long the process waits at exit for a slow stderr to
// take its last lines.
const exitWait = 5 * time.Second

// logSink is the logs' output. Write never waits for out: it appends to a
// buffer of at most maxPending bytes that a goroutine of its own writes out,
// in order, while there is any. zap writes with its lock held, so a write
// that waited for a slow or stalled reader (a log shipper behind, a pipe
// nobody reads) would hold every request's access line, the stop's lines
// and with them SIGTERM, while /readyz, which logs nothing, went on saying
// ready. What does not fit is dropped, its lines counted; so are the lines
// a failed write did not write whole (its error is not passed on: zap's
// buffer would keep it and write nothing more). Once out takes a write
// again, the count is logged (report); the metric keeps the total.
type logSink struct {
	out io.Writer
	max int // bytes pending at most

	mu      sync.Mutex
	pending []byte        // accepted, not yet handed to out
	spare   []byte        // the buffer out had last, reused
	done    chan struct{} // closed when the writing goroutine ends; nil while none runs
	cut     bool          // out's last write stopped mid-line; only the writing goroutine uses it
	dropped atomic.Int64  // lines dropped since the last report
	total   atomic.Int64  // lines dropped since start: messages_api_log_lines_dropped_total

	// report is given the lines dropped since the last report, once a
	// write has gone through after them; nil before the logger exists.
	report atomic.Pointer[func(lines int64)]
}

func newLogSink(out io.Writer, maxPending int) *logSink {
	return &logSink{out: out, max: maxPending}
}

// Write never waits for out, and never fails: what does not fit it counts.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending)+len(p) > s.max {
		s.drop(p)
		return len(p), nil
	}
	s.pending = append(s.pending, p...) // the caller reuses p once Write returns
	if s.done == nil {
		s.done = make(chan struct{})
		go s.writeOut(s.done)
	}
	return len(p), nil
}

// writeOut hands what is pending to out until nothing is, then closes done.
func (s *logSink) writeOut(done chan struct{}) {
	defer close(done)
	for {
		s.mu.Lock()
		buf := s.pending
		if len(buf) == 0 {
			s.done = nil
			s.mu.Unlock()
			return
		}
		s.pending, s.spare = s.spare[:0], nil
		s.mu.Unlock()
		if s.put(buf) {
			if n := s.dropped.Swap(0); n > 0 {
				s.reportDrops(n) // not under mu: the report is a log line, written here
			}
		}
		s.mu.Lock()
		s.spare = buf[:0]
		s.mu.Unlock()
	}
}

// put hands buf to out and reports whether all of it went. A write that
// fails part-way (a full disk) costs the lines it did not write whole, and
// leaves a cut line, which a newline ends before the next write goes out:
// the line after it is then whole again, not glued to its start.
func (s *logSink) put(buf []byte) bool {
	if s.cut {
		if _, err := s.out.Write(newline); err != nil {
			s.drop(buf)
			return false
		}
		s.cut = false
	}
	n, err := s.out.Write(buf)
	if err != nil {
		n = min(max(n, 0), len(buf)) // a writer's count is not trusted to slice with
		rest := buf[n:]
		if s.cut = n > 0 && buf[n-1] != '\n'; s.cut && len(rest) > 0 && rest[0] == '\n' {
			rest = rest[1:] // a line whole but for its newline: the one ending the cut completes it
		}
		s.drop(rest)
		return false
	}
	return true
}

var newline = []byte{'\n'}

func (s *logSink) drop(p []byte) {
	n := int64(bytes.Count(p, []byte{'\n'}))
	s.dropped.Add(n)
	s.total.Add(n)
}

func (s *logSink) reportDrops(n int64) {
	if report := s.report.Load(); report != nil {
		(*report)(n)
	}
}

// settle waits until out has taken everything pending, or until deadline:
// at exit, a slow reader still gets the last lines whole.
func (s *logSink) settle(deadline time.Time) {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done == nil {
		return
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// Sync does nothing: lines are not buffered here, and an fsync of stderr
// (a pipe or a terminal, mostly) could block as the write did.
func (s *logSink) Sync() error { return nil }

// reportTo logs the drops on log from now on.
func (s *logSink) reportTo(log *zap.Logger) {
	f := func(lines int64) {
		log.Warn("log lines dropped: stderr was not taking writes", zap.Int64("lines", lines))
	}
	s.report.Store(&f)
}

// metric registers messages_api_log_lines_dropped_total.
func (s *logSink) metric() fx.Option {
	return fx.Invoke(func(reg prometheus.Registerer) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "messages_api_log_lines_dropped_total",
			Help: "Log lines dropped because stderr did not take them: past 1 MiB waiting for a slow or stalled reader, or in a write that failed.",
		}, func() float64 { return float64(s.total.Load()) }))
	})
}
