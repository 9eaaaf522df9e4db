// Command local-path-provisioner gives the local test cluster k3s-like storage: a PVC of its
// StorageClass gets a PersistentVolume backed by a directory on the node's disk once a pod that
// uses it is scheduled (WaitForFirstConsumer), and the directory goes when a Released volume's
// reclaim policy is Delete. It runs on the node as a host process, so it creates directories itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const (
	annStorageProvisioner = "volume.kubernetes.io/storage-provisioner"
	annSelectedNode       = "volume.kubernetes.io/selected-node"
	annProvisionedBy      = "pv.kubernetes.io/provisioned-by"
)

type provisioner struct {
	name   string
	root   string
	client kubernetes.Interface
	pvcs   cache.Indexer
	pvs    cache.Indexer
	queue  workqueue.TypedRateLimitingInterface[string]
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster")
	name := flag.String("provisioner-name", "puck.sandwich.labs/local-path", "provisioner name StorageClasses refer to")
	root := flag.String("root", "/var/lib/puck-e2e/storage", "directory that holds the volumes")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("load kubeconfig: %v", err)
	}
	client := kubernetes.NewForConfigOrDie(config)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	p := &provisioner{
		name:   *name,
		root:   *root,
		client: client,
		pvcs:   factory.Core().V1().PersistentVolumeClaims().Informer().GetIndexer(),
		pvs:    factory.Core().V1().PersistentVolumes().Informer().GetIndexer(),
		queue:  workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
	}
	enqueue := func(prefix string) cache.ResourceEventHandlerFuncs {
		add := func(obj any) {
			if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
				p.queue.Add(prefix + key)
			}
		}
		return cache.ResourceEventHandlerFuncs{AddFunc: add, UpdateFunc: func(_, obj any) { add(obj) }}
	}
	factory.Core().V1().PersistentVolumeClaims().Informer().AddEventHandler(enqueue("pvc/"))
	factory.Core().V1().PersistentVolumes().Informer().AddEventHandler(enqueue("pv/"))
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	klog.InfoS("Started local-path provisioner", "name", p.name, "root", p.root)

	go func() { <-ctx.Done(); p.queue.ShutDown() }()
	for p.next(ctx) {
	}
}

func (p *provisioner) next(ctx context.Context) bool {
	key, quit := p.queue.Get()
	if quit {
		return false
	}
	defer p.queue.Done(key)
	var err error
	kind, name, _ := strings.Cut(key, "/")
	if kind == "pvc" {
		err = p.syncClaim(ctx, name)
	} else {
		err = p.syncVolume(ctx, name)
	}
	if err != nil {
		klog.ErrorS(err, "Sync failed, will retry", "key", key)
		p.queue.AddRateLimited(key)
		return true
	}
	p.queue.Forget(key)
	return true
}

// syncClaim provisions a volume for a pending claim of ours whose consumer has been scheduled.
func (p *provisioner) syncClaim(ctx context.Context, key string) error {
	obj, exists, err := p.pvcs.GetByKey(key)
	if err != nil || !exists {
		return err
	}
	pvc := obj.(*corev1.PersistentVolumeClaim)
	node := pvc.Annotations[annSelectedNode]
	if pvc.Spec.VolumeName != "" || pvc.Annotations[annStorageProvisioner] != p.name || node == "" {
		return nil
	}
	className := ""
	if pvc.Spec.StorageClassName != nil {
		className = *pvc.Spec.StorageClassName
	}
	class, err := p.client.StorageV1().StorageClasses().Get(ctx, className, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get StorageClass %q: %w", className, err)
	}
	pvName := "pvc-" + string(pvc.UID)
	dir := filepath.Join(p.root, fmt.Sprintf("%s_%s_%s", pvName, pvc.Namespace, pvc.Name))
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("create volume directory: %w", err)
	}
	// MkdirAll honours the umask; a volume must be writable by whatever user the pod runs as.
	if err := os.Chmod(dir, 0o777); err != nil {
		return fmt.Errorf("open volume directory to pod users: %w", err)
	}
	reclaim := corev1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		reclaim = *class.ReclaimPolicy
	}
	hostPathType := corev1.HostPathDirectoryOrCreate
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: pvName, Annotations: map[string]string{annProvisionedBy: p.name}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: pvc.Spec.Resources.Requests[corev1.ResourceStorage]},
			AccessModes:                   pvc.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              className,
			ClaimRef: &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &hostPathType},
			},
			NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
					Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{node},
				}}}},
			}},
		},
	}
	_, err = p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create PersistentVolume %s: %w", pvName, err)
	}
	klog.InfoS("Provisioned volume", "pv", pvName, "claim", key, "path", dir)
	return nil
}

// syncVolume deletes a released volume of ours, and its data, when its policy says Delete.
func (p *provisioner) syncVolume(ctx context.Context, name string) error {
	obj, exists, err := p.pvs.GetByKey(name)
	if err != nil || !exists {
		return err
	}
	pv := obj.(*corev1.PersistentVolume)
	if pv.Annotations[annProvisionedBy] != p.name || pv.Status.Phase != corev1.VolumeReleased ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || pv.Spec.HostPath == nil {
		return nil
	}
	dir := pv.Spec.HostPath.Path
	// Only ever remove what this provisioner made: a path under its root.
	if filepath.Dir(dir) != filepath.Clean(p.root) {
		return fmt.Errorf("refusing to delete %s: not under %s", dir, p.root)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove volume directory: %w", err)
	}
	err = p.client.CoreV1().PersistentVolumes().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete PersistentVolume %s: %w", name, err)
	}
	klog.InfoS("Deleted released volume", "pv", name, "path", dir)
	return nil
}
