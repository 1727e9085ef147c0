// Command floor is the load benchmark's yardstick, not part of the service:
// a bare net/http server with no logging, metrics or middleware (the shape
// of Auth0's Go sample) serving the same public JSON body, so bench.sh can
// print every case as a ratio of what the machine does with no service at
// all. With -limits it also has the service's http.Server limits (the
// default timeouts and header cap of httpapi.ServerConfig): protection, not
// observability, so bench.sh shows what they cost on their own.
// Usage: go run .ci/floor.go -addr 127.0.0.1:23030 [-limits]
package main

import (
	"flag"
	"log"
	"net/http"
	"time"
)

var body = []byte(`{"message":"Hello from a public endpoint! You don't need to be authenticated to see this."}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:23030", "listen address")
	limits := flag.Bool("limits", false, "the service's default timeouts and header cap")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/public", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: *addr, Handler: mux}
	if *limits { // keep in step with httpapi.ServerConfig's defaults
		srv.ReadHeaderTimeout = 5 * time.Second
		srv.ReadTimeout = 10 * time.Second
		srv.WriteTimeout = 10 * time.Second
		srv.IdleTimeout = 60 * time.Second
		srv.MaxHeaderBytes = 16 << 10
	}
	log.Fatal(srv.ListenAndServe())
}
