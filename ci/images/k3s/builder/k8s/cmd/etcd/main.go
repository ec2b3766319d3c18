// Command etcd is upstream etcd (go.etcd.io/etcd/server/v3/etcdmain), built at the
// version k8s.io/kubernetes pins, so it shares this module's dependency graph.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
