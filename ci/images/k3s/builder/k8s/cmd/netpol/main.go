// Command netpol is a small NetworkPolicy enforcer for the single-node sandbox
// cluster (k3s embeds kube-router's policy controller; neither kube-router nor
// sigs.k8s.io/kube-network-policies is obtainable here, so this is our own).
//
// It watches Pods, Namespaces and NetworkPolicies and renders networking.k8s.io/v1
// semantics into iptables rules in the filter table of the node's network
// namespace. Pod traffic on the CNI bridge traverses FORWARD because
// br_netfilter's bridge-nf-call-iptables is enabled (kube-proxy needs it too).
//
//	FORWARD -> SNP-MAIN
//	SNP-MAIN: ESTABLISHED,RELATED -> RETURN
//	          -s <isolated-for-egress pod IP>  -> SNP-E-<hash>
//	          -d <isolated-for-ingress pod IP> -> SNP-I-<hash>
//	SNP-[IE]-<hash>: clear mark; allowed peers/ports set mark;
//	          marked -> RETURN; otherwise DROP.
//
// Supported: podSelector, namespaceSelector, both combined, ipBlock (with except),
// ports (numeric, named, endPort), protocols TCP/UDP/SCTP, policyTypes.
// Traffic from/to the node itself (kubelet probes, hostNetwork pods) is not filtered.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"log"
	"os/exec"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	netv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

const (
	mainChain = "SNP-MAIN"
	markBit   = "0x200000/0x200000"
	markClear = "0x0/0x200000"
)

type ctl struct {
	pods   cache.Indexer
	nss    cache.Indexer
	pols   cache.Indexer
	kick   chan struct{}
	last   string
	ipt    string
	iptRes string
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig path")
	resync := flag.Duration("resync", 30*time.Second, "full resync period")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig: %v", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		log.Fatalf("client: %v", err)
	}
	f := informers.NewSharedInformerFactory(cs, 0)
	c := &ctl{kick: make(chan struct{}, 1), ipt: "iptables", iptRes: "iptables-restore"}
	h := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(interface{}) { c.trigger() },
		UpdateFunc: func(interface{}, interface{}) { c.trigger() },
		DeleteFunc: func(interface{}) { c.trigger() },
	}
	pi := f.Core().V1().Pods().Informer()
	ni := f.Core().V1().Namespaces().Informer()
	npi := f.Networking().V1().NetworkPolicies().Informer()
	for _, inf := range []cache.SharedIndexInformer{pi, ni, npi} {
		if _, err := inf.AddEventHandler(h); err != nil {
			log.Fatal(err)
		}
	}
	c.pods, c.nss, c.pols = pi.GetIndexer(), ni.GetIndexer(), npi.GetIndexer()
	ctx := context.Background()
	f.Start(ctx.Done())
	cache.WaitForCacheSync(ctx.Done(), pi.HasSynced, ni.HasSynced, npi.HasSynced)
	log.Printf("caches synced, enforcing NetworkPolicies")
	t := time.NewTicker(*resync)
	c.trigger()
	for {
		select {
		case <-c.kick:
		case <-t.C:
			c.last = "" // force a rewrite (rules may have been flushed by someone)
		}
		time.Sleep(200 * time.Millisecond) // debounce bursts of events
		if err := c.sync(); err != nil {
			log.Printf("sync failed: %v", err)
			c.last = ""
			time.Sleep(2 * time.Second)
			c.trigger()
		}
	}
}

func (c *ctl) trigger() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

type podInfo struct {
	pod *corev1.Pod
	ips []string
}

func (c *ctl) podList() []podInfo {
	var out []podInfo
	for _, o := range c.pods.List() {
		p := o.(*corev1.Pod)
		if p.Spec.HostNetwork || p.DeletionTimestamp != nil && len(p.Status.PodIPs) == 0 {
			continue
		}
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		var ips []string
		for _, ip := range p.Status.PodIPs {
			if !strings.Contains(ip.IP, ":") {
				ips = append(ips, ip.IP)
			}
		}
		if len(ips) == 0 {
			continue
		}
		out = append(out, podInfo{pod: p, ips: ips})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].pod.Namespace+"/"+out[i].pod.Name < out[j].pod.Namespace+"/"+out[j].pod.Name
	})
	return out
}

func (c *ctl) nsLabels(name string) labels.Set {
	o, ok, _ := c.nss.GetByKey(name)
	if !ok {
		return labels.Set{"kubernetes.io/metadata.name": name}
	}
	return labels.Set(o.(*corev1.Namespace).Labels)
}

func policyTypes(p *netv1.NetworkPolicy) (ingress, egress bool) {
	if len(p.Spec.PolicyTypes) == 0 {
		return true, len(p.Spec.Egress) > 0
	}
	for _, t := range p.Spec.PolicyTypes {
		switch t {
		case netv1.PolicyTypeIngress:
			ingress = true
		case netv1.PolicyTypeEgress:
			egress = true
		}
	}
	return
}

func sel(s *metav1.LabelSelector) labels.Selector {
	if s == nil {
		return labels.Nothing()
	}
	l, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		log.Printf("bad selector %v: %v", s, err)
		return labels.Nothing()
	}
	return l
}

// peerPods returns the pods matched by a pod/namespace selector peer.
func (c *ctl) peerPods(polNS string, peer netv1.NetworkPolicyPeer, pods []podInfo) []podInfo {
	var out []podInfo
	for _, pi := range pods {
		if peer.NamespaceSelector != nil {
			if !sel(peer.NamespaceSelector).Matches(c.nsLabels(pi.pod.Namespace)) {
				continue
			}
		} else if pi.pod.Namespace != polNS {
			continue
		}
		if peer.PodSelector != nil && !sel(peer.PodSelector).Matches(labels.Set(pi.pod.Labels)) {
			continue
		}
		out = append(out, pi)
	}
	return out
}

// portMatches renders the port part of a rule. Named ports are resolved against
// target (the pod that owns the port). Returns nil slice element "" for "any port".
func portMatches(ports []netv1.NetworkPolicyPort, target *corev1.Pod) []string {
	if len(ports) == 0 {
		return []string{""}
	}
	var out []string
	for _, p := range ports {
		proto := corev1.ProtocolTCP
		if p.Protocol != nil {
			proto = *p.Protocol
		}
		pr := strings.ToLower(string(proto))
		if p.Port == nil {
			out = append(out, "-p "+pr)
			continue
		}
		if p.Port.IntValue() > 0 || p.Port.Type == 0 {
			n := p.Port.IntValue()
			if p.EndPort != nil && *p.EndPort >= int32(n) {
				out = append(out, fmt.Sprintf("-p %s -m %s --dport %d:%d", pr, pr, n, *p.EndPort))
			} else {
				out = append(out, fmt.Sprintf("-p %s -m %s --dport %d", pr, pr, n))
			}
			continue
		}
		if target == nil {
			continue
		}
		name := p.Port.String()
		for _, ctr := range target.Spec.Containers {
			for _, cp := range ctr.Ports {
				cpProto := cp.Protocol
				if cpProto == "" {
					cpProto = corev1.ProtocolTCP
				}
				if cp.Name == name && cpProto == proto {
					out = append(out, fmt.Sprintf("-p %s -m %s --dport %d", pr, pr, cp.ContainerPort))
				}
			}
		}
	}
	return out
}

func chainName(kind, key string) string {
	h := sha256.Sum256([]byte(key))
	return "SNP-" + kind + "-" + strings.ToUpper(hex.EncodeToString(h[:])[:16])
}

type rules struct {
	chains []string
	lines  []string
}

func (r *rules) chain(n string) { r.chains = append(r.chains, n) }
func (r *rules) add(f string, a ...interface{}) {
	r.lines = append(r.lines, fmt.Sprintf(f, a...))
}

func (c *ctl) render() *rules {
	pods := c.podList()
	var pols []*netv1.NetworkPolicy
	for _, o := range c.pols.List() {
		pols = append(pols, o.(*netv1.NetworkPolicy))
	}
	sort.Slice(pols, func(i, j int) bool {
		return pols[i].Namespace+"/"+pols[i].Name < pols[j].Namespace+"/"+pols[j].Name
	})
	r := &rules{}
	r.chain(mainChain)
	r.add("-A %s -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN", mainChain)
	for _, pi := range pods {
		var ingPols, egPols []*netv1.NetworkPolicy
		for _, p := range pols {
			if p.Namespace != pi.pod.Namespace {
				continue
			}
			if !sel(&p.Spec.PodSelector).Matches(labels.Set(pi.pod.Labels)) {
				continue
			}
			in, eg := policyTypes(p)
			if in {
				ingPols = append(ingPols, p)
			}
			if eg {
				egPols = append(egPols, p)
			}
		}
		key := pi.pod.Namespace + "/" + pi.pod.Name + "/" + string(pi.pod.UID)
		if len(egPols) > 0 {
			ch := chainName("E", key)
			r.chain(ch)
			r.add("-A %s -j MARK --set-xmark %s", ch, markClear)
			for _, p := range egPols {
				for _, rule := range p.Spec.Egress {
					c.renderPeers(r, ch, "-d", p, rule.To, rule.Ports, pods, nil, true)
				}
			}
			r.add("-A %s -m mark --mark %s -j RETURN", ch, markBit)
			r.add("-A %s -m comment --comment \"egress-deny %s/%s\" -j DROP", ch, pi.pod.Namespace, pi.pod.Name)
			for _, ip := range pi.ips {
				r.add("-A %s -s %s/32 -j %s", mainChain, ip, ch)
			}
		}
		if len(ingPols) > 0 {
			ch := chainName("I", key)
			r.chain(ch)
			r.add("-A %s -j MARK --set-xmark %s", ch, markClear)
			for _, p := range ingPols {
				for _, rule := range p.Spec.Ingress {
					c.renderPeers(r, ch, "-s", p, rule.From, rule.Ports, pods, pi.pod, false)
				}
			}
			r.add("-A %s -m mark --mark %s -j RETURN", ch, markBit)
			r.add("-A %s -m comment --comment \"ingress-deny %s/%s\" -j DROP", ch, pi.pod.Namespace, pi.pod.Name)
			for _, ip := range pi.ips {
				r.add("-A %s -d %s/32 -j %s", mainChain, ip, ch)
			}
		}
	}
	return r
}

// renderPeers appends the allow rules of one ingress/egress rule to chain ch.
// dir is "-s" (ingress: match peer as source) or "-d" (egress: peer as destination).
func (c *ctl) renderPeers(r *rules, ch, dir string, p *netv1.NetworkPolicy, peers []netv1.NetworkPolicyPeer,
	ports []netv1.NetworkPolicyPort, pods []podInfo, self *corev1.Pod, egress bool) {
	mark := "-j MARK --set-xmark " + markBit
	if len(peers) == 0 {
		if egress {
			// any destination; named ports resolved per destination pod, numeric ones directly
			for _, pm := range portMatches(ports, nil) {
				r.add("-A %s %s %s", ch, pm, mark)
			}
			for _, pi := range pods {
				if hasNamedPort(ports) {
					for _, pm := range namedOnly(ports, pi.pod) {
						for _, ip := range pi.ips {
							r.add("-A %s -d %s/32 %s %s", ch, ip, pm, mark)
						}
					}
				}
			}
			return
		}
		for _, pm := range portMatches(ports, self) {
			r.add("-A %s %s %s", ch, pm, mark)
		}
		return
	}
	for i, peer := range peers {
		if peer.IPBlock != nil {
			pms := portMatches(ports, self)
			if len(peer.IPBlock.Except) == 0 {
				for _, pm := range pms {
					r.add("-A %s %s %s %s %s", ch, dir, peer.IPBlock.CIDR, pm, mark)
				}
				continue
			}
			sub := chainName("B", fmt.Sprintf("%s/%s/%s/%d/%s", p.Namespace, p.Name, ch, i, dir))
			r.chain(sub)
			for _, ex := range peer.IPBlock.Except {
				r.add("-A %s %s %s -j RETURN", sub, dir, ex)
			}
			r.add("-A %s %s %s %s", sub, dir, peer.IPBlock.CIDR, mark)
			for _, pm := range pms {
				r.add("-A %s %s -j %s", ch, pm, sub)
			}
			continue
		}
		for _, pi := range c.peerPods(p.Namespace, peer, pods) {
			target := self
			if egress {
				target = pi.pod
			}
			for _, pm := range portMatches(ports, target) {
				for _, ip := range pi.ips {
					r.add("-A %s %s %s/32 %s %s", ch, dir, ip, pm, mark)
				}
			}
		}
	}
}

func hasNamedPort(ports []netv1.NetworkPolicyPort) bool {
	for _, p := range ports {
		if p.Port != nil && p.Port.IntValue() == 0 && p.Port.StrVal != "" {
			return true
		}
	}
	return false
}

func namedOnly(ports []netv1.NetworkPolicyPort, target *corev1.Pod) []string {
	var named []netv1.NetworkPolicyPort
	for _, p := range ports {
		if p.Port != nil && p.Port.IntValue() == 0 && p.Port.StrVal != "" {
			named = append(named, p)
		}
	}
	if len(named) == 0 {
		return nil
	}
	return portMatches(named, target)
}

func (c *ctl) sync() error {
	r := c.render()
	var b bytes.Buffer
	b.WriteString("*filter\n")
	for _, ch := range r.chains {
		fmt.Fprintf(&b, ":%s - [0:0]\n", ch)
	}
	for _, l := range r.lines {
		b.WriteString(l + "\n")
	}
	b.WriteString("COMMIT\n")
	out := b.String()
	if out == c.last {
		return nil
	}
	cmd := exec.Command(c.iptRes, "--noflush", "-w")
	cmd.Stdin = strings.NewReader(out)
	if o, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("iptables-restore: %v: %s\n%s", err, o, out)
	}
	// hook into FORWARD (first rule)
	if exec.Command(c.ipt, "-w", "-C", "FORWARD", "-j", mainChain).Run() != nil {
		if o, err := exec.Command(c.ipt, "-w", "-I", "FORWARD", "1", "-j", mainChain).CombinedOutput(); err != nil {
			return fmt.Errorf("hook FORWARD: %v: %s", err, o)
		}
	}
	// delete stale per-pod chains
	want := map[string]bool{}
	for _, ch := range r.chains {
		want[ch] = true
	}
	o, err := exec.Command(c.ipt+"-save", "-t", "filter").Output()
	if err == nil {
		var stale []string
		for _, l := range strings.Split(string(o), "\n") {
			if strings.HasPrefix(l, ":SNP-") {
				if n := strings.Fields(l[1:])[0]; !want[n] {
					stale = append(stale, n)
				}
			}
		}
		for _, n := range stale {
			_ = exec.Command(c.ipt, "-w", "-F", n).Run()
		}
		for _, n := range stale {
			_ = exec.Command(c.ipt, "-w", "-X", n).Run()
		}
	}
	if c.last == "" || out != c.last {
		log.Printf("applied %d rules in %d chains", len(r.lines), len(r.chains))
	}
	c.last = out
	return nil
}
