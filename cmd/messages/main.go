// Command messages calls the Messages API as a machine-to-machine client:
// it gets an access token from the Auth0 tenant with the client-credentials
// grant, then calls PATH on the API with it, like the caller side of Auth0's
// API quickstart. With -login it is a native app instead: a user logs in
// in the browser (authorization code grant with PKCE, RFC 8252).
//
//	messages [flags] PATH
//
// Run "messages -h" for the flags. Exit codes: 0 when every call answered
// 2xx, 1 when one did not or no token could be had (or printed), 2 for a usage or
// configuration error.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, systemBrowser{})
	stop()
	os.Exit(code)
}
