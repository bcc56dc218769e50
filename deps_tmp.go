package main

import (
	_ "github.com/containers/buildah"
	_ "github.com/containers/buildah/imagebuildah"
	_ "github.com/go-git/go-git/v5"
	_ "github.com/spdx/tools-golang/json"
	_ "go.podman.io/image/v5/copy"
	_ "go.podman.io/storage"
)

func main() {}
