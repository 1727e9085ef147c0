package app

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/example/messages-api/internal/adapters/config"
)

// stuckWriter is a reader of stderr that stops reading: its writes block
// until release, then take everything.
type stuckWriter struct {
	mu       sync.Mutex
	got      strings.Builder
	blocked  chan struct{} // closed by release
	entered  chan struct{} // one send per write that blocks
	stuck    bool
	writeErr error
}

func (w *stuckWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	stuck := w.stuck
	w.mu.Unlock()
	if stuck {
		w.entered <- struct{}{}
		<-w.blocked
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.writeErr != nil {
		return 0, w.writeErr
	}
	w.got.Write(p)
	return len(p), nil
}

// release lets the reader read again: the stuck write ends, later ones pass.
func (w *stuckWriter) release() {
	w.mu.Lock()
	w.stuck = false
	w.mu.Unlock()
	close(w.blocked)
}

// succeed makes later writes succeed.
func (w *stuckWriter) succeed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writeErr = nil
}

func (w *stuckWriter) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.got.String()
}

// TestLogSink: a reader that is slow or stops reading costs lines past the
// pending bound, counted and then reported, never a caller's wait; lines
// are never reordered; a failed write costs its lines only.
func TestLogSink(t *testing.T) {
	forever := time.Now().Add(time.Hour)
	t.Run("healthy: every line, in order", func(t *testing.T) {
		w := &stuckWriter{}
		s := newLogSink(w, 1<<10)
		for _, l := range []string{"a\n", "b\nc\n", "d\n"} {
			if n, err := s.Write([]byte(l)); n != len(l) || err != nil {
				t.Fatalf("Write(%q): got %d, %v, want %d, nil", l, n, err, len(l))
			}
		}
		s.settle(forever)
		if got := w.output(); got != "a\nb\nc\nd\n" {
			t.Errorf("got %q, want every line in order", got)
		}
		if got := s.total.Load(); got != 0 {
			t.Errorf("got %d lines dropped, want 0", got)
		}
	})

	t.Run("stalled: kept up to the bound, then dropped and counted, then reported", func(t *testing.T) {
		w := &stuckWriter{stuck: true, blocked: make(chan struct{}), entered: make(chan struct{}, 1)}
		s := newLogSink(w, 10)
		reported := make(chan int64, 1)
		report := func(n int64) { reported <- n }
		s.report.Store(&report)

		// Each Write returns although the reader is stuck: without that
		// this test would hang.
		if _, err := s.Write([]byte("first\n")); err != nil {
			t.Fatalf("first write: got %v, want nil", err)
		}
		<-w.entered // out has it, and is stuck
		for _, l := range []string{"x\n", "y\nz\n", "too long\n", "w\n"} {
			if _, err := s.Write([]byte(l)); err != nil {
				t.Fatalf("write while stuck: got %v, want nil", err)
			}
		}
		// 2 + 4 bytes kept, the 9 of "too long" past the bound of 10, the
		// 2 after it kept (whole writes are dropped, never cut).
		if got := s.total.Load(); got != 1 {
			t.Errorf("got %d lines dropped, want 1", got)
		}
		w.release()
		if got := <-reported; got != 1 {
			t.Errorf("got %d lines reported dropped, want 1", got)
		}
		s.settle(forever)
		if got := w.output(); got != "first\nx\ny\nz\nw\n" {
			t.Errorf("got %q, want the lines kept, in order", got)
		}
	})

	t.Run("a failed write: counted, the next one goes through", func(t *testing.T) {
		w := &stuckWriter{writeErr: errors.New("no space left on device")}
		s := newLogSink(w, 1<<10)
		// No error back: zap's buffer would keep it and write nothing more.
		if _, err := s.Write([]byte("a\nb\n")); err != nil {
			t.Errorf("got %v, want nil", err)
		}
		s.settle(forever)
		if got := s.total.Load(); got != 2 {
			t.Errorf("got %d lines dropped, want 2", got)
		}
		w.succeed()
		if _, err := s.Write([]byte("c\n")); err != nil {
			t.Errorf("got %v, want nil", err)
		}
		s.settle(forever)
		if got := w.output(); !strings.HasSuffix(got, "c\n") {
			t.Errorf("got %q, want the next line written", got)
		}
	})

	t.Run("settle: the last lines wait for a slow reader", func(t *testing.T) {
		w := &stuckWriter{stuck: true, blocked: make(chan struct{}), entered: make(chan struct{}, 1)}
		s := newLogSink(w, 1<<10)
		_, _ = s.Write([]byte("first\n"))
		<-w.entered
		_, _ = s.Write([]byte("last\n"))
		settled := make(chan struct{})
		go func() {
			defer close(settled)
			s.settle(forever)
		}()
		select {
		case <-settled:
			t.Fatal("settle returned while the write was still in flight")
		default:
		}
		w.release()
		<-settled
		if got := w.output(); got != "first\nlast\n" {
			t.Errorf("got %q, want every line", got)
		}
		if got := s.total.Load(); got != 0 {
			t.Errorf("got %d lines dropped, want 0", got)
		}
	})

	t.Run("settle: bounded by its deadline when the reader never takes", func(t *testing.T) {
		w := &stuckWriter{stuck: true, blocked: make(chan struct{}), entered: make(chan struct{}, 1)}
		t.Cleanup(w.release)
		s := newLogSink(w, 1<<10)
		_, _ = s.Write([]byte("first\n"))
		<-w.entered
		s.settle(time.Now()) // returns: a deadline already past
	})
}

// shortWriter takes room bytes, then fails (a full disk), until grown.
type shortWriter struct {
	mu   sync.Mutex
	got  strings.Builder
	room int // -1: no limit; overcount: every byte taken, a count past them and an error (a broken writer)
}

const overcount = -2

func (w *shortWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.room == overcount {
		w.got.Write(p)
		return len(p) + 1, errors.New("a count past the buffer")
	}
	if w.room < 0 || len(p) <= w.room {
		w.room -= len(p)
		w.got.Write(p)
		return len(p), nil
	}
	n := w.room
	w.got.Write(p[:n])
	w.room = 0
	return n, errors.New("no space left on device")
}

func (w *shortWriter) grow() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.room = -1
}

func (w *shortWriter) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.got.String()
}

// TestLogSinkShortWrite: a write that fails part-way counts as dropped only
// the lines it did not write whole, and a line it cut is ended before the
// next line goes out, so that the next is not glued to it.
func TestLogSinkShortWrite(t *testing.T) {
	forever := time.Now().Add(time.Hour)
	tests := []struct {
		name        string
		room        int
		in          string // "": "aaa\nbbb\nccc\n"
		wantDropped int64
		want        string
	}{
		{"cut mid-line", 6, "", 2, "aaa\nbb\nddd\n"},
		{"cut at a line's end", 4, "", 2, "aaa\nddd\n"},
		{"nothing written", 0, "", 3, "ddd\n"},
		{"all but the last newline", 11, "", 0, "aaa\nbbb\nccc\nddd\n"},
		{"all but a newline", 3, "", 2, "aaa\nddd\n"},
		// A writer that breaks io.Writer's contract costs no panic.
		{"a count past the buffer", overcount, "", 0, "aaa\nbbb\nccc\nddd\n"},
		{"a count past a buffer ending mid-line", overcount, "aaa\nbb", 0, "aaa\nbb\nddd\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &shortWriter{room: tt.room}
			s := newLogSink(w, 1<<10)
			in := tt.in
			if in == "" {
				in = "aaa\nbbb\nccc\n"
			}
			_, _ = s.Write([]byte(in))
			s.settle(forever)
			if got := s.total.Load(); got != tt.wantDropped {
				t.Errorf("got %d lines dropped, want %d", got, tt.wantDropped)
			}
			w.grow()
			_, _ = s.Write([]byte("ddd\n"))
			s.settle(forever)
			if got := w.output(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLoggerOverStalledSink: both log formats write through the sink, so
// neither blocks on a stderr nobody reads.
func TestLoggerOverStalledSink(t *testing.T) {
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			w := &stuckWriter{stuck: true, blocked: make(chan struct{}), entered: make(chan struct{}, 1)}
			t.Cleanup(w.release)
			s := newLogSink(w, 64<<10)
			log, stop, err := newLogger(config.Log{Format: format, Level: "info"}, s)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = stop() })
			// Without the sink these would block on the first write
			// (console) or the first flush (json), and the test hang.
			line := strings.Repeat("x", 1024)
			for range 1000 {
				log.Info(line)
			}
			_ = log.Sync()
			if got := s.total.Load(); got == 0 {
				t.Errorf("got no lines dropped, want the ones written while stuck")
			}
		})
	}
}

// TestLoggerStopEndsItsGoroutines: once stopped, a logger leaves nothing
// running (the JSON buffer's flush loop) and has written every line.
func TestLoggerStopEndsItsGoroutines(t *testing.T) {
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			ignore := goleak.IgnoreCurrent() // by id: goroutines of earlier tests do not count
			w := &stuckWriter{blocked: make(chan struct{})}
			sink := newLogSink(w, maxPending)
			log, stop, err := newLogger(config.Log{Format: format, Level: "info"}, sink)
			if err != nil {
				t.Fatal(err)
			}
			log.Info("the last line")
			if err := stop(); err != nil {
				t.Fatalf("got %v from stop, want nil", err)
			}
			sink.settle(time.Now().Add(time.Minute))
			goleak.VerifyNone(t, ignore)
			if got := w.output(); !strings.Contains(got, "the last line") {
				t.Errorf("got output %q, want the last line", got)
			}
		})
	}
}
