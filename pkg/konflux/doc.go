// Package konflux is the one home of what rebuild knows about Konflux's build task: which
// of the build tasks a provenance records is the one to rebuild (Choose, Pushed), which
// replay profile covers its task name, version and step image (profile.go), whether its
// recorded parameters can be replayed as the task ran (Check, Resolve), and the replay
// itself: the labels, annotations and injected lines in the task's order, labels.json as
// the task prints it, and the `buildah build` command line (Replay, Prepare, Invoke).
//
// It reads a provenance.Task and a checkout; it builds nothing, fetches nothing and links no
// build engine. Package build runs the command line it gives.
package konflux
