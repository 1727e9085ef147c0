// Command floor is the load benchmark's yardstick, not part of the service:
// a bare net/http server with no logging, metrics or middleware (the shape
// of Auth0's Go sample) serving the same public JSON body, so bench.sh can
// print every case as a ratio of what the machine does with no service at
// all. Usage: go run .ci/floor.go -addr 127.0.0.1:43030
package main

import (
	"flag"
	"log"
	"net/http"
)

var body = []byte(`{"message":"Hello from a public endpoint! You don't need to be authenticated to see this."}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:43030", "listen address")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/public", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
