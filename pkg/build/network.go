package build

import (
	"errors"

	nettypes "go.podman.io/common/libnetwork/types"
)

// errNoNetwork is what noNetwork answers to anything that would configure a network.
var errNoNetwork = errors.New("no network backend: RUN steps use chroot isolation and the host's network")

// noNetwork is the build's network backend. buildah looks one up (netavark or CNI) whenever
// it creates a build container, even with chroot isolation, which never configures a
// network: RUN steps share the host's network (or none). Giving the library this one lets
// rebuild run where no network backend is installed, such as the builder image.
type noNetwork struct{}

var _ nettypes.ContainerNetwork = noNetwork{}

func (noNetwork) NetworkCreate(nettypes.Network, *nettypes.NetworkCreateOptions) (nettypes.Network, error) {
	return nettypes.Network{}, errNoNetwork
}

func (noNetwork) NetworkUpdate(string, nettypes.NetworkUpdateOptions) error { return errNoNetwork }

func (noNetwork) NetworkRemove(string) error { return errNoNetwork }

func (noNetwork) NetworkList(...nettypes.FilterFunc) ([]nettypes.Network, error) { return nil, nil }

func (noNetwork) NetworkInspect(string) (nettypes.Network, error) {
	return nettypes.Network{}, errNoNetwork
}

func (noNetwork) Setup(string, nettypes.SetupOptions) (map[string]nettypes.StatusBlock, error) {
	return nil, errNoNetwork
}

func (noNetwork) Teardown(string, nettypes.TeardownOptions) error { return nil }

func (noNetwork) RunInRootlessNetns(func() error) error { return errNoNetwork }

func (noNetwork) RootlessNetnsInfo() (*nettypes.RootlessNetnsInfo, error) { return nil, errNoNetwork }

func (noNetwork) Drivers() []string { return nil }

func (noNetwork) DefaultNetworkName() string { return "none" }

func (noNetwork) NetworkInfo() nettypes.NetworkInfo { return nettypes.NetworkInfo{Backend: "none"} }
