//go:build tools

// Package tools pins the upstream command built from this module: Traefik, the ingress controller
// k3s bundles (Kubernetes Ingress, its own CRDs and the Gateway API).
package tools

import (
	_ "github.com/traefik/traefik/v3/cmd/traefik"
)
