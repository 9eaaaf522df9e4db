// Command netpol is the local cluster's NetworkPolicy enforcer, as k3s has one: k3s runs
// kube-router's network policy controller inside its own process (iptables rules and ipsets per
// pod and policy), and so does this program, as a host daemon of each node. Nothing else of
// kube-router is linked in: not its BGP routing (whose unauthenticated gRPC port is the subject of
// kube-router's security advisory), not its service proxy.
//
// Why kube-router's and not sig-network's kube-network-policies: the latter hands packets to
// userspace with nftables' `queue` expression, and this machine's kernel is built without it
// (CONFIG_NFT_QUEUE unset: `nft add rule … queue` fails with "No such file or directory"), while
// iptables' NFQUEUE-free rules and ipsets, which kube-router uses, are all there. It is also what
// k3s users run.
package main

import (
	"flag"
	"log"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/cloudnativelabs/kube-router/v2/pkg/controllers/netpol"
	"github.com/cloudnativelabs/kube-router/v2/pkg/healthcheck"
	"github.com/cloudnativelabs/kube-router/v2/pkg/options"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the enforcer's ServiceAccount")
	node := flag.String("node", "", "name of the node whose pods this enforcer guards")
	serviceCIDR := flag.String("service-cidr", "10.43.0.0/16", "the cluster's Service range")
	nodePorts := flag.String("node-port-range", "30000-32767", "the cluster's NodePort range")
	flag.Parse()
	if *kubeconfig == "" || *node == "" {
		log.Fatal("netpol: --kubeconfig and --node are required")
	}

	restConfig, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("netpol: reading %s: %v", *kubeconfig, err)
	}
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		log.Fatalf("netpol: %v", err)
	}

	// The settings k3s gives the controller for a single-stack IPv4 cluster.
	config := options.NewKubeRouterConfig()
	config.ClusterIPCIDRs = []string{*serviceCIDR}
	config.NodePortRange = *nodePorts
	config.EnableIPv4 = true
	config.EnableIPv6 = false
	config.HostnameOverride = *node
	config.IPTablesSyncPeriod = 5 * time.Minute

	stop := make(chan struct{})
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-signals; close(stop) }()

	factory := informers.NewSharedInformerFactory(client, 0)
	pods := factory.Core().V1().Pods().Informer()
	namespaces := factory.Core().V1().Namespaces().Informer()
	policies := factory.Networking().V1().NetworkPolicies().Informer()
	factory.Start(stop)
	factory.WaitForCacheSync(stop)

	iptables, ipsets, err := netpol.NewIPTablesHandlers(config)
	if err != nil {
		log.Fatalf("netpol: iptables: %v", err)
	}
	var ipsetMutex sync.Mutex
	controller, err := netpol.NewNetworkPolicyController(client, config, pods, policies, namespaces, &ipsetMutex, iptables, ipsets)
	if err != nil {
		log.Fatalf("netpol: %v", err)
	}
	if _, err := pods.AddEventHandler(controller.PodEventHandler); err != nil {
		log.Fatalf("netpol: %v", err)
	}
	if _, err := namespaces.AddEventHandler(controller.NamespaceEventHandler); err != nil {
		log.Fatalf("netpol: %v", err)
	}
	if _, err := policies.AddEventHandler(controller.NetworkPolicyEventHandler); err != nil {
		log.Fatalf("netpol: %v", err)
	}

	// The controller reports each sync on this channel (kube-router's health checker reads it);
	// nothing here needs the reports, so they are drained.
	health := make(chan *healthcheck.ControllerHeartbeat, 10)
	go func() {
		for range health {
		}
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	log.Printf("netpol: enforcing NetworkPolicy for the pods of node %s", *node)
	go controller.Run(health, stop, &wg)
	wg.Wait()
	log.Print("netpol: stopped")
}
