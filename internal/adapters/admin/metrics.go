package admin

import (
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// NewRegistry returns the registry every module registers its metrics in,
// with the Go runtime, process and build-info collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "messages_api_build_info",
		Help: "Always 1; the labels say which build is running.",
	}, []string{"version", "goversion"})
	buildInfo.WithLabelValues(version(), runtime.Version()).Set(1)
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildInfo,
	)
	return reg
}

// releaseVersion is set at link time by builds that have no VCS data for
// Go to stamp, such as the Dockerfile's (its context leaves out .git):
// -ldflags "-X github.com/example/messages-api/internal/adapters/admin.releaseVersion=v1.2.3".
var releaseVersion string

// version is the build_info metric's version label: releaseVersion when
// set, else the main module's version Go stamped (a tag or pseudo-version
// from VCS data, "(devel)" for a build without it), else "unknown".
func version() string {
	if releaseVersion != "" {
		return releaseVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "unknown"
}
