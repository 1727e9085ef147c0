// Command api serves the Messages API. See README.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stderr))
}
