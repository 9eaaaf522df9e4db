// Command servicelb is the local cluster's stand-in for k3s's ServiceLB (klipper-lb): it gives every
// LoadBalancer Service the node's InternalIP in status.loadBalancer.ingress, and kube-proxy then
// serves NODE_IP:PORT for it. k3s gets the same address by running a pod with hostPorts per
// Service; here the node is this machine, so the status alone is enough.
//
// Services of another load balancer (spec.loadBalancerClass set) are left alone, as k3s does; a
// Service that stops being a LoadBalancer loses the address again. With --load-balancer-class, it
// serves only the Services of that class instead (the tests run a second one so, beside the
// cluster's).
//
// It is a list-watch (client-go informers): a watch that breaks (the API server restarting, a
// timeout) is resumed or relisted, and every Service is checked again at each resync, so nothing is
// missed while the API server was away. Status writes that fail are retried with backoff.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the identity that writes Services' status")
	nodeName := flag.String("node", "", "the node whose InternalIP LoadBalancer Services get")
	class := flag.String("load-balancer-class", "", "serve only Services of this spec.loadBalancerClass (default: those without one)")
	reserved := flag.String("reserved-ports", "", "comma-separated ports the node serves itself (the ingress controller's): a Service asking for one gets no address, as k3s's ServiceLB cannot bind it")
	resync := flag.Duration("resync", 5*time.Minute, "how often every Service is checked again")
	flag.Parse()
	if *kubeconfig == "" || *nodeName == "" {
		fmt.Fprintln(os.Stderr, "usage: servicelb --kubeconfig FILE --node NAME")
		os.Exit(2)
	}
	taken := map[int32]bool{}
	for _, p := range strings.Split(*reserved, ",") {
		if p = strings.TrimSpace(p); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				log.Fatalf("servicelb: --reserved-ports: %q is no port", p)
			}
			taken[int32(n)] = true
		}
	}
	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("servicelb: %v", err)
	}
	config.UserAgent = "puck-e2e-servicelb"
	client := kubernetes.NewForConfigOrDie(config)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// Services in every namespace; the node by name only.
	services := informers.NewSharedInformerFactory(client, *resync)
	nodes := informers.NewSharedInformerFactoryWithOptions(client, *resync, informers.WithTweakListOptions(func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("metadata.name", *nodeName).String()
	}))
	serviceInformer := services.Core().V1().Services()
	nodeInformer := nodes.Core().V1().Nodes()
	queue := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]())
	defer queue.ShutDown()

	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			queue.Add(key)
		}
	}
	_, _ = serviceInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
	})
	// The node's address changing moves every LoadBalancer.
	requeueAll := func(any) {
		for _, key := range serviceInformer.Informer().GetStore().ListKeys() {
			queue.Add(key)
		}
	}
	_, _ = nodeInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    requeueAll,
		UpdateFunc: func(old, obj any) { requeueAll(obj) },
	})

	services.Start(ctx.Done())
	nodes.Start(ctx.Done())
	log.Printf("servicelb: waiting for the first list of Services and of node %s", *nodeName)
	if !cache.WaitForCacheSync(ctx.Done(), serviceInformer.Informer().HasSynced, nodeInformer.Informer().HasSynced) {
		return
	}
	log.Printf("servicelb: serving LoadBalancer Services on node %s", *nodeName)

	nodeIP := func() string {
		node, err := nodeInformer.Lister().Get(*nodeName)
		if err != nil {
			return ""
		}
		for _, a := range node.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				return a.Address
			}
		}
		return ""
	}

	sync := func(key string) error {
		namespace, name, err := cache.SplitMetaNamespaceKey(key)
		if err != nil {
			return nil
		}
		service, err := serviceInformer.Lister().Services(namespace).Get(name)
		if err != nil {
			return nil // deleted: nothing to write
		}
		var want []corev1.LoadBalancerIngress
		if service.Spec.Type == corev1.ServiceTypeLoadBalancer {
			if mine := (*class == "" && service.Spec.LoadBalancerClass == nil) ||
				(service.Spec.LoadBalancerClass != nil && *service.Spec.LoadBalancerClass == *class); !mine {
				return nil // another load balancer's
			}
			for _, port := range service.Spec.Ports {
				if taken[port.Port] {
					// k3s's ServiceLB pod for it could not bind the port, and the Service stays pending.
					if len(service.Status.LoadBalancer.Ingress) == 0 {
						log.Printf("servicelb: %s asks for port %d, which the node's ingress controller serves: no address", key, port.Port)
						return nil
					}
					want = nil
					goto write
				}
			}
			ip := nodeIP()
			if ip == "" {
				return fmt.Errorf("node %s has no InternalIP yet", *nodeName)
			}
			vip := corev1.LoadBalancerIPModeVIP
			want = []corev1.LoadBalancerIngress{{IP: ip, IPMode: &vip}}
		}
	write:
		if reflect.DeepEqual(service.Status.LoadBalancer.Ingress, want) || (len(want) == 0 && len(service.Status.LoadBalancer.Ingress) == 0) {
			return nil
		}
		updated := service.DeepCopy()
		updated.Status.LoadBalancer.Ingress = want
		writeCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if _, err := client.CoreV1().Services(namespace).UpdateStatus(writeCtx, updated, metav1.UpdateOptions{}); err != nil {
			return err
		}
		if len(want) > 0 {
			log.Printf("servicelb: %s gets %s", key, want[0].IP)
		} else {
			log.Printf("servicelb: %s is no LoadBalancer any more: address removed", key)
		}
		return nil
	}

	go wait.UntilWithContext(ctx, func(context.Context) {
		for {
			key, shutdown := queue.Get()
			if shutdown {
				return
			}
			if err := sync(key); err != nil {
				log.Printf("servicelb: %s: %v (retrying)", key, err)
				queue.AddRateLimited(key)
			} else {
				queue.Forget(key)
			}
			queue.Done(key)
		}
	}, time.Second)
	<-ctx.Done()
}
