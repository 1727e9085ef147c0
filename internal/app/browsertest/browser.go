// Package browsertest runs end-to-end tests in a headless Chromium driven
// with chromedp: it finds the browser, starts one per test (killed when
// the test ends), writes a screenshot of each test as an artifact, and
// starts the whole app in dev mode on loopback ports.
//
// Without Chromium a test is skipped with a message saying how to install
// it, except in CI (CI=true), where a missing browser is a failure.
package browsertest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ArtifactsEnv names the directory screenshots are written to; by default
// they go to DefaultArtifactsDir.
const ArtifactsEnv = "BROWSER_TEST_ARTIFACTS"

// Timeout bounds one browser test, start of the browser included.
const Timeout = 3 * time.Minute

// DefaultArtifactsDir is where screenshots go when ArtifactsEnv is unset:
// outside the repository, so they are never committed.
func DefaultArtifactsDir() string {
	return filepath.Join(os.TempDir(), "messages-api-browser-tests")
}

// debianChromium is where Debian's chromium package puts the browser.
const debianChromium = "/usr/bin/chromium"

// chromiumNames are looked up on PATH after debianChromium.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Chromium returns the path of the Chromium to drive: /usr/bin/chromium
// (Debian's chromium package) or the first of chromiumNames on PATH. When
// there is none, t is skipped, or failed when CI=true: CI must run the
// browser tests (.ci/run installs Chromium).
func Chromium(t testing.TB) string {
	t.Helper()
	if path := findChromium(os.Stat, exec.LookPath); path != "" {
		return path
	}
	const msg = "no Chromium found (looked for /usr/bin/chromium, then chromium, chromium-browser, google-chrome on PATH); " +
		"install it (Debian: apt-get install -y chromium) to run the browser tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; CI=true, so this is a failure, not a skip")
	}
	t.Skip(msg)
	return ""
}

// findChromium returns the first Chromium found, or "".
func findChromium(stat func(string) (os.FileInfo, error), lookPath func(string) (string, error)) string {
	if fi, err := stat(debianChromium); err == nil && !fi.IsDir() {
		return debianChromium
	}
	for _, name := range chromiumNames {
		if p, err := lookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium process; each Tab of it is isolated
// (its own cookies and storage), like a fresh browser profile.
type Browser struct {
	ctx context.Context // the first tab's: it owns the browser
}

// Start starts a headless Chromium for t. Its actions are bounded by
// Timeout, and the process is killed and waited for when t ends.
func Start(t testing.TB) *Browser {
	t.Helper()
	path := Chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 900),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root with its sandbox on (CI
		// machines often run as root); the pages here are our own.
		opts = append(opts, chromedp.NoSandbox)
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // kills the browser and waits for it to exit
		cancelTimeout()
	})
	// Start the browser now, so a browser that cannot start fails here.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return &Browser{ctx: browserCtx}
}

// Tab opens a tab in a new browser context of b (no cookies, no storage)
// for t. When t ends, a screenshot of it is written (see Screenshot) and
// the tab is closed.
func (b *Browser) Tab(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	// Registered after the cancel, so it runs before it.
	t.Cleanup(func() { Screenshot(t, ctx, "") })
	return ctx
}

// unsafeName matches what may not go into a file name.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Screenshot writes a full-page PNG of the tab to the artifacts directory
// (ArtifactsEnv, else DefaultArtifactsDir) as TESTNAME[-step].png and logs
// its path. A screenshot that cannot be taken is logged, not failed: it is
// evidence, not the test.
func Screenshot(t testing.TB, ctx context.Context, step string) {
	t.Helper()
	dir := os.Getenv(ArtifactsEnv)
	if dir == "" {
		dir = DefaultArtifactsDir()
	}
	name := t.Name()
	if step != "" {
		name += "-" + step
	}
	file := filepath.Join(dir, unsafeName.ReplaceAllString(name, "_")+".png")
	if ctx.Err() != nil {
		t.Logf("no screenshot %s: %v", file, ctx.Err())
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = errors.Join(os.MkdirAll(dir, 0o755), os.WriteFile(file, png, 0o644))
	}
	if err != nil {
		t.Logf("no screenshot %s: %v", file, err)
		return
	}
	t.Logf("screenshot: %s", file)
}
