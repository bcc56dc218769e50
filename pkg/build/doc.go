// Package build runs a `buildah build` command line in-process with the buildah library:
// the build alone, with no network backend and no pulls. What the command line holds (the
// Konflux task's labels, annotations and injected files) is package konflux's to say.
package build
