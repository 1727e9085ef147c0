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

// logSink is the logs' output. Each write goes to out from a goroutine of
// its own, and the caller waits for it at most wait: zap writes with its
// lock held, so a write to a pipe nobody reads would otherwise block every
// request's access line, the stop's lines and with them SIGTERM, while
// /readyz, which logs nothing, went on saying ready. While a write has not
// returned, later ones are dropped, their lines counted, so lines are never
// reordered or interleaved; once out takes writes again, the count is
// logged (report) and the metric keeps it.
type logSink struct {
	mu      sync.Mutex // one caller at a time: the logger's buffer, its error output, Run's last lines
	out     io.Writer
	wait    time.Duration
	busy    atomic.Bool  // a write to out has not returned
	dropped atomic.Int64 // lines dropped since the last report
	total   atomic.Int64 // lines dropped since start: messages_api_log_lines_dropped_total

	// report is given the lines dropped since the last report, once a
	// write has gone through after them; nil before the logger exists.
	report atomic.Pointer[func(lines int64)]
}

func newLogSink(out io.Writer, wait time.Duration) *logSink {
	return &logSink{out: out, wait: wait}
}

// Write never takes longer than s.wait; it reports no error for dropped
// lines (zap would write its complaint to the same stalled output).
func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.busy.CompareAndSwap(false, true) {
		n := int64(bytes.Count(p, []byte{'\n'}))
		s.dropped.Add(n)
		s.total.Add(n)
		return len(p), nil
	}
	buf := bytes.Clone(p) // the caller reuses p once Write returns
	done := make(chan error, 1)
	go func() {
		_, err := s.out.Write(buf)
		s.busy.Store(false)
		done <- err
		if n := s.dropped.Swap(0); n > 0 {
			if report := s.report.Load(); report != nil {
				(*report)(n) // not under the caller's lock: this goroutine holds none
			}
		}
	}()
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case err := <-done:
		return len(p), err
	case <-t.C:
		return len(p), nil // still writing: what comes until it returns is dropped
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
			Help: "Log lines dropped because stderr did not take a write within a second (a stalled log reader).",
		}, func() float64 { return float64(s.total.Load()) }))
	})
}
