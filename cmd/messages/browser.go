package main

import (
	"context"
	"os/exec"
	"runtime"
)

// systemBrowser opens URLs in the user's default browser, as RFC 8252 §4.1
// asks of native apps (the user sees the real address bar, and the app
// never sees the password).
type systemBrowser struct{}

func (systemBrowser) Open(_ context.Context, url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	// Some openers stay in the foreground as long as the browser runs; the
	// login must not wait for them, only reap them.
	go func() { _ = cmd.Wait() }()
	return nil
}
