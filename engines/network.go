package main

import "errors"

var errNoNetwork = errors.New("no network backend: RUN steps use chroot isolation and the host's network")

// noNetwork is the build's network backend: buildah looks one up whenever it creates a build
// container, even with chroot isolation, which never configures a network.
type noNetwork struct{}

func (noNetwork) NetworkCreate(network, *networkCreateOptions) (network, error) {
	return network{}, errNoNetwork
}
func (noNetwork) NetworkUpdate(string, networkUpdateOptions) error { return errNoNetwork }
func (noNetwork) NetworkRemove(string) error                       { return errNoNetwork }
func (noNetwork) NetworkList(...filterFunc) ([]network, error)     { return nil, nil }
func (noNetwork) NetworkInspect(string) (network, error)           { return network{}, errNoNetwork }
func (noNetwork) Teardown(string, teardownOptions) error           { return nil }
func (noNetwork) RunInRootlessNetns(func() error) error            { return errNoNetwork }
func (noNetwork) RootlessNetnsInfo() (*rootlessNetnsInfo, error)   { return nil, errNoNetwork }
func (noNetwork) Drivers() []string                                { return nil }
func (noNetwork) DefaultNetworkName() string                       { return "none" }
func (noNetwork) NetworkInfo() networkInfo                         { return networkInfo{Backend: "none"} }
func (noNetwork) Setup(string, setupOptions) (map[string]statusBlock, error) {
	return nil, errNoNetwork
}
