//go:build tools

// Package tools pins the upstream commands built from this module.
package tools

import (
	_ "sigs.k8s.io/metrics-server/cmd/metrics-server"
)
