// The Kubernetes client as its own bundle (dist/kube-client.js): about 3 MB that only the Kubernetes target
// loads, so the CLI and the extension stay small.
export * from '@kubernetes/client-node';
