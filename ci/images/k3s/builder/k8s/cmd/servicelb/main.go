// Command servicelb gives Services of type LoadBalancer an address on the single sandbox node, as
// k3s's servicelb does (k3s runs it in-process and forwards with klipper-lb pods; neither the k3s
// module nor klipper-lb is obtainable here, so this is our own).
//
// It sets status.loadBalancer.ingress of every LoadBalancer Service without a loadBalancerClass to
// the node's IP. kube-proxy then routes <node IP>:<port> to the Service's endpoints, as it does for
// any load-balancer ingress IP, so a port published from the node container reaches the Service.
// Like k3s's servicelb, one port (and protocol) serves one Service: when two Services ask for the
// same port, the older one gets it and the other stays pending, with an event that says why.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

type ctl struct {
	cs       kubernetes.Interface
	services cache.Indexer
	nodeIP   string
	kick     chan struct{}
	// what was last reported as pending, so each conflict is told once
	pending map[string]string
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig path")
	nodeIP := flag.String("node-ip", "", "the node's IP, given to LoadBalancer Services")
	resync := flag.Duration("resync", 30*time.Second, "full resync period")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	if *nodeIP == "" {
		log.Fatal("--node-ip is required")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		log.Fatalf("client: %v", err)
	}
	f := informers.NewSharedInformerFactory(cs, 0)
	c := &ctl{cs: cs, nodeIP: *nodeIP, kick: make(chan struct{}, 1), pending: map[string]string{}}
	inf := f.Core().V1().Services().Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { c.trigger() },
		UpdateFunc: func(interface{}, interface{}) { c.trigger() },
		DeleteFunc: func(interface{}) { c.trigger() },
	})
	c.services = inf.GetIndexer()
	stop := make(chan struct{})
	f.Start(stop)
	f.WaitForCacheSync(stop)
	log.Printf("servicelb: LoadBalancer Services get ingress IP %s", c.nodeIP)
	tick := time.NewTicker(*resync)
	for {
		c.reconcile()
		select {
		case <-c.kick:
		case <-tick.C:
		}
	}
}

func (c *ctl) trigger() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func wants(s *corev1.Service) bool {
	return s.Spec.Type == corev1.ServiceTypeLoadBalancer && s.Spec.LoadBalancerClass == nil
}

func key(s *corev1.Service) string { return s.Namespace + "/" + s.Name }

func (c *ctl) reconcile() {
	var lbs []*corev1.Service
	var others []*corev1.Service
	for _, o := range c.services.List() {
		s := o.(*corev1.Service)
		if wants(s) {
			lbs = append(lbs, s)
		} else if s.Spec.LoadBalancerClass == nil && len(s.Status.LoadBalancer.Ingress) > 0 {
			others = append(others, s) // no longer a LoadBalancer: take its address back
		}
	}
	// the oldest Service keeps a port, as with k3s's servicelb
	sort.Slice(lbs, func(i, j int) bool {
		ti, tj := lbs[i].CreationTimestamp, lbs[j].CreationTimestamp
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return key(lbs[i]) < key(lbs[j])
	})
	owner := map[string]string{}
	for _, s := range lbs {
		var clash string
		for _, p := range s.Spec.Ports {
			port := fmt.Sprintf("%d/%s", p.Port, p.Protocol)
			if o, taken := owner[port]; taken {
				clash = fmt.Sprintf("port %s is already served by Service %s", port, o)
				break
			}
		}
		if clash != "" {
			if c.pending[key(s)] != clash {
				c.pending[key(s)] = clash
				log.Printf("servicelb: %s stays pending: %s", key(s), clash)
				c.event(s, clash)
			}
			c.setStatus(s, nil)
			continue
		}
		delete(c.pending, key(s))
		for _, p := range s.Spec.Ports {
			owner[fmt.Sprintf("%d/%s", p.Port, p.Protocol)] = key(s)
		}
		vip := corev1.LoadBalancerIPModeVIP
		c.setStatus(s, []corev1.LoadBalancerIngress{{IP: c.nodeIP, IPMode: &vip}})
	}
	for _, s := range others {
		c.setStatus(s, nil)
	}
	// forget conflicts of Services that are gone or no longer LoadBalancers
	current := map[string]bool{}
	for _, s := range lbs {
		current[key(s)] = true
	}
	for k := range c.pending {
		if !current[k] {
			delete(c.pending, k)
		}
	}
}

func (c *ctl) setStatus(s *corev1.Service, ingress []corev1.LoadBalancerIngress) {
	if apiequality.Semantic.DeepEqual(s.Status.LoadBalancer.Ingress, ingress) ||
		(len(ingress) == 0 && len(s.Status.LoadBalancer.Ingress) == 0) {
		return
	}
	updated := s.DeepCopy()
	updated.Status.LoadBalancer.Ingress = ingress
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.cs.CoreV1().Services(s.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		log.Printf("servicelb: updating the status of %s: %v", key(s), err)
		// try again soon, not at once: a persistent error must not spin against the API server
		time.AfterFunc(2*time.Second, c.trigger)
		return
	}
	if len(ingress) > 0 {
		log.Printf("servicelb: %s gets %s", key(s), c.nodeIP)
	}
}

func (c *ctl) event(s *corev1.Service, message string) {
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: s.Name + ".", Namespace: s.Namespace},
		InvolvedObject: corev1.ObjectReference{
			Kind: "Service", APIVersion: "v1", Namespace: s.Namespace, Name: s.Name, UID: s.UID,
			ResourceVersion: s.ResourceVersion,
		},
		Reason: "PortInUse", Message: message, Type: corev1.EventTypeWarning,
		Source:         corev1.EventSource{Component: "service-lb-controller"},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.cs.CoreV1().Events(s.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		log.Printf("servicelb: recording an event for %s: %v", key(s), err)
	}
}
