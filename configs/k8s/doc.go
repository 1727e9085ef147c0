// Package k8s holds the Kubernetes manifests of the Messages API and, in
// its tests, their validation: each file is decoded strictly into
// the official API types and checked against the service's configuration
// (configs/config.yaml). It is a module of its own so that k8s.io/api stays
// out of the service's dependency graph.
//
//	cd configs/k8s && go test ./...
//	kubectl apply -f configs/k8s/
package k8s
