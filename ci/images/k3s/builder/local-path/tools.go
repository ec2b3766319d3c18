//go:build tools

// Package tools pins the upstream commands built from this module.
package tools

import (
	_ "github.com/rancher/local-path-provisioner"
)
