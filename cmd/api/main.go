// Command api serves the Messages API. See README.md.
package main

import (
	"os"

	"github.com/example/messages-api/internal/app"
)

func main() {
	os.Exit(app.Run(os.Args[1:], os.Environ(), os.Stderr))
}
