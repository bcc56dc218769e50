//go:build buildah_podman

package main

// The names main.go and network.go use, from buildah 1.44 and later's module paths.

import (
	"go.podman.io/buildah"
	"go.podman.io/buildah/define"
	"go.podman.io/buildah/imagebuildah"
	buildahcli "go.podman.io/buildah/pkg/cli"
	"go.podman.io/buildah/util"
	nettypes "go.podman.io/common/libnetwork/types"
	"go.podman.io/storage"
)

type (
	buildOptions         = define.BuildOptions
	layerResults         = buildahcli.LayerResults
	budResults           = buildahcli.BudResults
	fromAndBudResults    = buildahcli.FromAndBudResults
	userNSResults        = buildahcli.UserNSResults
	nameSpaceResults     = buildahcli.NameSpaceResults
	cliBuildOptions      = buildahcli.BuildOptions
	network              = nettypes.Network
	networkCreateOptions = nettypes.NetworkCreateOptions
	networkUpdateOptions = nettypes.NetworkUpdateOptions
	filterFunc           = nettypes.FilterFunc
	setupOptions         = nettypes.SetupOptions
	statusBlock          = nettypes.StatusBlock
	teardownOptions      = nettypes.TeardownOptions
	rootlessNetnsInfo    = nettypes.RootlessNetnsInfo
	networkInfo          = nettypes.NetworkInfo
)

var (
	buildahVersion      = buildah.Version
	initReexec          = buildah.InitReexec
	buildDockerfiles    = imagebuildah.BuildDockerfiles
	pullNever           = define.PullNever
	getBudFlags         = buildahcli.GetBudFlags
	getLayerFlags       = buildahcli.GetLayerFlags
	getFromAndBudFlags  = buildahcli.GetFromAndBudFlags
	genBuildOptions     = buildahcli.GenBuildOptions
	aliasFlags          = buildahcli.AliasFlags
	runtimePath         = util.Runtime
	defaultStoreOptions = storage.DefaultStoreOptions
	getStore            = storage.GetStore
)

var _ nettypes.ContainerNetwork = noNetwork{}
