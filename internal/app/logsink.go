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

// stallWait bounds how long logging waits for one write to stderr: a
// reader that takes longer (a stalled log shipper, a pipe nobody reads)
// costs lines, never requests.
const stallWait = time.Second

// exitWait bounds how long the process waits at exit for a slow stderr to
// take its last lines.
const exitWait = 5 * time.Second

// logSink is the logs' output. Each write goes to out from a goroutine of
// its own, and the caller waits for it at most wait: zap writes with its
// lock held, so a write to a pipe nobody reads would otherwise block every
// request's access line, the stop's lines and with them SIGTERM, while
// /readyz, which logs nothing, went on saying ready. While a write has not
// returned, later ones are dropped, their lines counted, so lines are never
// reordered or interleaved; so are the lines of a write that failed (its
// error is not passed on: zap's buffer would keep it and write nothing
// more). Once out takes a write again, the count is logged (report); the
// metric keeps the total.
type logSink struct {
	mu       sync.Mutex // one caller at a time: the logger's buffer, its error output, Run's last lines
	out      io.Writer
	wait     time.Duration
	inflight atomic.Pointer[chan struct{}] // closed when the write to out returns; nil before the first
	dropped  atomic.Int64                  // lines dropped since the last report
	total    atomic.Int64                  // lines dropped since start: messages_api_log_lines_dropped_total

	// report is given the lines dropped since the last report, once a
	// write has gone through after them; nil before the logger exists.
	report atomic.Pointer[func(lines int64)]
}

func newLogSink(out io.Writer, wait time.Duration) *logSink {
	return &logSink{out: out, wait: wait}
}

// Write never takes longer than s.wait, and never fails: what it cannot
// write it counts.
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writing() {
		s.drop(p)
		return len(p), nil
	}
	buf := bytes.Clone(p) // the caller reuses p once Write returns
	done := make(chan struct{})
	s.inflight.Store(&done)
	go func() {
		if _, err := s.out.Write(buf); err != nil {
			s.drop(buf)
		} else if n := s.dropped.Swap(0); n > 0 {
			defer s.reportDrops(n) // after done: not under the caller's lock
		}
		close(done)
	}()
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C: // still writing: what comes until it returns is dropped
	}
	return len(p), nil
}

// writing reports whether a write to out has not returned yet.
func (s *logSink) writing() bool {
	if done := s.inflight.Load(); done != nil {
		select {
		case <-*done:
		default:
			return true
		}
	}
	return false
}

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

// settle waits until the write to out in flight, if any, has returned, or
// until deadline: at exit, a slow reader still gets the last lines whole
// rather than the buffer's last flush being dropped behind it.
func (s *logSink) settle(deadline time.Time) {
	done := s.inflight.Load()
	if done == nil {
		return
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-*done:
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
			Help: "Log lines dropped because stderr did not take them: a write not done within a second (a stalled log reader) or one that failed.",
		}, func() float64 { return float64(s.total.Load()) }))
	})
}
