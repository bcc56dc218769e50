package rebuild

import (
	"errors"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

func platformRecipe() *provenance.Recipe {
	build := func(platform, digest string) provenance.Task {
		return provenance.Task{
			Name:    "build-images",
			Params:  provenance.Params{"PLATFORM": {Kind: provenance.KindString, String: platform}},
			Results: map[string]string{"IMAGE_DIGEST": digest},
		}
	}
	r := &provenance.Recipe{Platforms: []provenance.Task{
		build("linux/x86_64", "sha256:"+strings.Repeat("a", 64)),
		build("linux-m2xlarge/arm64", "sha256:"+strings.Repeat("b", 64)),
	}}
	r.Task = r.Platforms[0]
	return r
}

func TestPickPlatform(t *testing.T) {
	defer func(h string) { HostPlatform = h }(HostPlatform)
	HostPlatform = "linux/arm64"
	for name, tc := range map[string]struct {
		platform, verified string
		want               string // the IMAGE_DIGEST picked, "" for ErrNoPlatform
	}{
		"this host's":                    {want: "b"},
		"asked for":                      {platform: "linux/amd64", want: "a"},
		"asked for, as Konflux names it": {platform: "linux/x86_64", want: "a"},
		"the verified image's":           {verified: "sha256:" + strings.Repeat("a", 64), want: "a"},
		"the verified index's":           {verified: "sha256:" + strings.Repeat("c", 64), want: "b"},
		"not built":                      {platform: "linux/s390x"},
	} {
		t.Run(name, func(t *testing.T) {
			r := platformRecipe()
			err := pickPlatform(r, tc.platform, tc.verified, nil)
			if tc.want == "" {
				if !errors.Is(err, ErrNoPlatform) || !strings.Contains(err.Error(), "linux/amd64, linux/arm64; none for linux/s390x") {
					t.Errorf("pickPlatform: %v, want ErrNoPlatform naming the platforms", err)
				}
				return
			}
			if err != nil || r.Task.Results["IMAGE_DIGEST"] != "sha256:"+strings.Repeat(tc.want, 64) {
				t.Errorf("pickPlatform: %v, picked %s, want %s...", err, r.Task.Results["IMAGE_DIGEST"], tc.want)
			}
		})
	}
	single := &provenance.Recipe{Task: platformRecipe().Platforms[1]}
	if err := pickPlatform(single, "", "", nil); err != nil {
		t.Errorf("one build, no --platform: %v", err)
	}
	if err := pickPlatform(single, "linux/amd64", "", nil); !errors.Is(err, ErrNoPlatform) {
		t.Errorf("one build for arm64, --platform linux/amd64: %v, want ErrNoPlatform", err)
	}
}

func TestCheckEmulation(t *testing.T) {
	if err := checkEmulation(HostPlatform, true); err != nil {
		t.Errorf("this host's platform: %v", err)
	}
	if err := checkEmulation("linux/riscv64", false); err != nil {
		t.Errorf("no RUN step: %v", err)
	}
	err := checkEmulation("linux/riscv64", true)
	if err != nil && (!errors.Is(err, ErrEmulation) || !strings.Contains(err.Error(), "needs emulation for linux/riscv64")) {
		t.Errorf("RUN steps for riscv64: %v", err)
	}
}
