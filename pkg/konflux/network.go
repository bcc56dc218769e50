package konflux

// Network is what the task's `buildah build` saw of the network.
type Network struct {
	Isolated bool // a network namespace of its own: HERMETIC's `unshare --net`
	Loopback bool // its loopback interface up
}

// Network is what the task's `buildah build` saw of the network.
func (b *Build) Network() Network {
	if b.Profile == nil {
		return Network{}
	}
	return b.Profile.rules.network(b.Task)
}

// network: the script ran a HERMETIC build under `unshare --net`, from 9816995e with
// `ip link set lo up` first (loopbackUp).
func (s script) network(t Task) Network {
	return Network{Isolated: t.Hermetic, Loopback: t.Hermetic && s.loopbackUp.applies(t.Started)}
}

// network: konflux-build-cli runs a HERMETIC build under `unshare --net` and brings the
// loopback interface up (its `internal in-user-namespace --loopback-up`).
func (k kbc) network(t Task) Network {
	return Network{Isolated: t.Hermetic, Loopback: t.Hermetic}
}
