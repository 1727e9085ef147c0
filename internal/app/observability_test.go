package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/example/messages-api/internal/adapters/authtest"
	"github.com/example/messages-api/internal/adapters/config"
	"github.com/example/messages-api/internal/adapters/httpapi"
	"github.com/example/messages-api/internal/app"
	"github.com/example/messages-api/internal/app/browsertest"
	"github.com/example/messages-api/internal/domain"
)

// TestAccessLineCorrelates runs the whole app with the production JSON
// encoding and reads the access line of a request that carries a W3C
// traceparent from the real log output.
func TestAccessLineCorrelates(t *testing.T) {
	cfg, err := config.Load(false, "", prodEnv)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(app.EncoderConfig()), zapcore.Lock(zapcore.AddSync(&out)), zap.InfoLevel))
	v := authtest.New(map[string]domain.Claims{"reader": {Subject: "reader@clients", Scopes: []string{"read:messages"}}})
	var srv *httpapi.Server
	a := fxtest.New(t, app.Options(cfg, log, authtest.Module(v)), fx.Populate(&srv))
	a.RequireStart()
	t.Cleanup(a.RequireStop) // stopped even when the test fails first; a stop after a stop does nothing
	req, _ := http.NewRequest(http.MethodGet, "http://"+srv.Addr().String()+"/api/private", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.Header.Set("User-Agent", "correlation-test/1.0")
	req.Header.Set("Authorization", "Bearer reader")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a.RequireStop() // no line is written after this: the buffer can be read

	var line map[string]any
	for sc := bufio.NewScanner(&out); sc.Scan(); {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %s is not JSON: %v", sc.Text(), err)
		}
		if m["msg"] == "request" {
			line = m
		}
	}
	if line == nil {
		t.Fatalf("got no access line in %s", out.String())
	}
	for k, want := range map[string]any{
		"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "remote_addr": "127.0.0.1", "user_agent": "correlation-test/1.0",
		"route": "/api/private", "status": float64(200), "subject": "reader@clients",
	} {
		if line[k] != want {
			t.Errorf("got %s=%v, want %v", k, line[k], want)
		}
	}
	if s, _ := line["span_id"].(string); len(s) != 16 || s == "00f067aa0ba902b7" {
		t.Errorf("got span_id %v, want this service's own span id", line["span_id"])
	}
	if ts, _ := line["ts"].(string); !validRFC3339(ts) {
		t.Errorf("got ts %v, want an RFC 3339 timestamp", line["ts"])
	}
	if d, ok := line["duration"].(float64); !ok || d <= 0 || d > 10_000 || d == float64(int64(d)) {
		t.Errorf("got duration %v, want milliseconds as a number", line["duration"])
	}
}

func validRFC3339(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// TestEncoderConfig pins the units the access line promises: ts in RFC 3339
// and in UTC whatever the host's zone, duration in fractional milliseconds.
func TestEncoderConfig(t *testing.T) {
	ist := time.FixedZone("IST", 5*3600+1800)
	tests := []struct {
		name    string
		ts      time.Time
		d       time.Duration
		wantTS  string
		wantDur float64
	}{
		{"UTC, under a millisecond", time.Date(2026, 3, 1, 6, 30, 0, 0, time.UTC), 183456 * time.Nanosecond, "2026-03-01T06:30:00Z", 0.183456},
		{"another zone: written in UTC", time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, ist), 1500 * time.Millisecond, "2026-03-01T06:30:00.5Z", 1500},
		{"no time at all", time.Date(2026, 3, 1, 6, 30, 0, 1, time.UTC), 0, "2026-03-01T06:30:00.000000001Z", 0},
	}
	enc := zapcore.NewJSONEncoder(app.EncoderConfig())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf, err := enc.EncodeEntry(zapcore.Entry{Time: tt.ts, Level: zapcore.WarnLevel, LoggerName: "httpapi", Message: "request"},
				[]zapcore.Field{zap.Duration("duration", tt.d)})
			if err != nil {
				t.Fatal(err)
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("line %s is not JSON: %v", buf, err)
			}
			if line["ts"] != tt.wantTS {
				t.Errorf("got ts %v, want %s", line["ts"], tt.wantTS)
			}
			if line["duration"] != tt.wantDur {
				t.Errorf("got duration %v, want %v (milliseconds)", line["duration"], tt.wantDur)
			}
			// The README's keys on every line, the level in lower case.
			for k, want := range map[string]any{"level": "warn", "logger": "httpapi", "msg": "request"} {
				if line[k] != want {
					t.Errorf("got %s=%v, want %v", k, line[k], want)
				}
			}
		})
	}
}

// TestFxEventsAtDebug: Fx's own events, its errors included, are written
// at debug only: the failed start's cause is Run's one line, not Fx's.
func TestFxEventsAtDebug(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())
	tests := []struct {
		name    string
		environ []string
		wantErr bool
	}{
		{"started and stopped", nil, false},
		{"a failed start", []string{"PORT=" + port}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(false, "", append(slices.Clone(prodEnv), tt.environ...))
			if err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zapcore.InfoLevel)
			a := fx.New(app.Options(cfg, zap.New(core), authtest.Module(testVerifier())))
			err = a.Start(context.Background())
			if err == nil {
				err = a.Stop(context.Background())
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want one: %v", err, tt.wantErr)
			}
			if fxLines := logs.Filter(func(e observer.LoggedEntry) bool { return e.LoggerName == "fx" }); fxLines.Len() != 0 {
				t.Errorf("got Fx's events at info or above: %v", fxLines.All())
			}
		})
	}
}

// TestEveryLineNamesItsLogger starts and stops the dev app at info, as it
// runs, and checks that every line it writes carries a logger name (the
// README promises ts, level, logger and msg on every line).
func TestEveryLineNamesItsLogger(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	var srv *httpapi.Server
	a := fxtest.New(t, app.Options(browsertest.DevConfig(t), zap.New(core), app.Production), fx.Populate(&srv))
	a.RequireStart()
	t.Cleanup(a.RequireStop) // stopped even when the test fails first; a stop after a stop does nothing
	resp, err := http.Get("http://" + srv.Addr().String() + "/api/public")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	a.RequireStop()
	for _, e := range logs.All() {
		if e.LoggerName == "" {
			t.Errorf("got line %q with no logger name, want every line named", e.Message)
		}
	}
	if logs.Len() == 0 {
		t.Error("got no log lines, want start-up, access and shutdown lines")
	}
}
