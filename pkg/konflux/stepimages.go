package konflux

import "strings"

// stepImageBuildah is the buildah that known build step images hold, by image digest, where
// the task's history says which: task/buildah*/0.10 in konflux-ci/build-definitions (at
// c00f1e0a) switched to the konflux-build-cli image 949367ed (task-runner 1.7.0, buildah
// 1.43.1; 0.10.0), then f3d02cdf (2026-06-16, 0.10.1) to 88395b2e "based on task-runner
// 1.8.1 ... with buildah v1.44.0", then to 7881de18, eaf4bcc5 and 0415613f (task-runner 1.8.1,
// then 2.1.0; buildah 1.44.0).
var stepImageBuildah = map[string]string{
	"sha256:949367ed2d1d2b9d8c23a5b26a9314eb28a01036a7e48496d38ec56cc720e06d": "1.43.1",
	"sha256:88395b2e3aba44a15f8ab4e12d63e81db215dc72a799200a3b560a55f30c631c": "1.44.0",
	"sha256:7881de18a51416bb20548a23897225a14f4301c78663531d8c78b7f8af249747": "1.44.0",
	"sha256:eaf4bcc55d4753eb0776b9bf61257edb5661b1a574268ef41e8bccb348112dad": "1.44.0",
	"sha256:0415613f955ef8f7c6fc821a6738dcf062d9a3582441042b87a2391c375d7f54": "1.44.0",
}

// StepImageBuildah is the buildah version the build step image ref (<repo>@sha256:<hex>)
// is known to hold, "" when it is not one of those.
func StepImageBuildah(ref string) string {
	_, digest, _ := strings.Cut(ref, "@")
	return stepImageBuildah[digest]
}
