// Package configs embeds the service's configuration files, so the binary
// runs on its defaults with no file next to it.
package configs

import _ "embed"

// Default holds every setting with its default value.
//
//go:embed config.yaml
var Default []byte

// Dev is laid over Default by -dev: the local tenant, its clients, and
// loopback-only listeners.
//
//go:embed dev.yaml
var Dev []byte
