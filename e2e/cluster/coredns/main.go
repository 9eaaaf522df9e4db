// Command coredns is the local cluster's DNS server: upstream CoreDNS's own server with only the
// plugins our Corefile (manifests/coredns.yaml) uses, so the first build compiles a fraction of
// CoreDNS's dependencies (no cloud DNS providers, tracing or TLS front ends beyond the core's).
// A Corefile naming any other plugin fails at startup with "unknown directive".
package main

import (
	"log"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

// The order plugins handle a query in, which is CoreDNS's plugin.cfg order, not the Corefile's.
var directives = []string{
	"reload",
	"ready",
	"health",
	"errors",
	"loadbalance",
	"cache",
	"kubernetes",
	"loop",
	"forward",
}

func main() {
	if err := dnsserver.SetDirectives(directives); err != nil {
		log.Fatalf("set CoreDNS directives: %v", err)
	}
	coremain.Run()
}
