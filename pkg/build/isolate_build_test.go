package build_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/pkg/build"
)

// isolatedSource is a build whose image cannot depend on the network.
var isolatedSource = map[string]string{"Containerfile": "FROM scratch\nCOPY hello /hello\n", "hello": "hi\n"}

var isolatedParams = map[string]string{"DOCKERFILE": "Containerfile", "SOURCE_DATE_EPOCH": "1700000000", "REWRITE_TIMESTAMP": "true"}

// TestIsolatedBuild runs the in-process build in its child process, in a network namespace
// of its own, and expects the image the build in this process makes; a command line buildah
// refuses is still ErrBadArgs.
func TestIsolatedBuild(t *testing.T) {
	src, policy, store := writeTree(t, isolatedSource), writePolicy(t), newStore(t)
	inv := invokeTask(t, "0.8", src, isolatedParams, nil, time.Now())
	var ids [2]string
	for i, n := range []build.Network{{}, {Isolated: true, Loopback: true}} {
		id, err := build.Run(context.Background(), inv.Argv, build.Options{Store: store, PolicyPath: policy, Network: n})
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		ids[i] = id
	}
	if ids[0] != ids[1] || len(ids[0]) != 64 {
		t.Errorf("built %q in this process and %q in its child", ids[0], ids[1])
	}
	_, err := build.Run(context.Background(), []string{"--no-such-flag", src}, build.Options{Store: store, PolicyPath: policy, Network: build.Network{Isolated: true}})
	if !errors.Is(err, build.ErrBadArgs) {
		t.Errorf("an unknown flag in the child: %v, want ErrBadArgs", err)
	}
}

// BenchmarkBuildHostNetwork and BenchmarkBuildIsolated time the same build in this process
// and in its child in a network namespace: what a HERMETIC build costs more.
func BenchmarkBuildHostNetwork(b *testing.B) { benchmarkBuild(b, build.Network{}) }

func BenchmarkBuildIsolated(b *testing.B) {
	benchmarkBuild(b, build.Network{Isolated: true, Loopback: true})
}

func benchmarkBuild(b *testing.B, n build.Network) {
	src, policy, store := writeTree(b, isolatedSource), writePolicy(b), newStore(b)
	inv := invokeTask(b, "0.8", src, isolatedParams, nil, time.Now())
	for b.Loop() {
		if _, err := build.Run(context.Background(), inv.Argv, build.Options{Store: store, PolicyPath: policy, Network: n}); err != nil {
			b.Fatal(err)
		}
	}
}
