package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/pkg/konflux"
	"github.com/rebuild-project/rebuild/pkg/plan"
	"github.com/rebuild-project/rebuild/test/world"
)

// TestPlan plans every published case, online and offline, and checks the plan's
// expectation against what the rebuild of the case gives (its reproducible field, which
// TestRebuild checks): exit 0 for an identical rebuild, 1 for a different one. It plans the
// attestation TestRebuild published when that ran first in this process, and publishes the
// case itself otherwise.
func TestPlan(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			attestation, err := os.ReadFile(filepath.Join(w.Dir, "cases", c.name, "attestation.json"))
			if errors.Is(err, os.ErrNotExist) {
				attestation = publish(ctx, t, w, c, epoch.AddDate(0, 0, i)).Attestation
			} else if err != nil {
				t.Fatal(err)
			}
			want := plan.ExitIdentical
			if !c.reproducible {
				want = plan.ExitDifferent
			}

			start := time.Now()
			online, stderr, exit := runPlan(ctx, t, w, attestation)
			t.Logf("planned online in %s: exit %d\n%s", time.Since(start).Round(time.Millisecond), exit, stderr)
			if exit != want || online.Exit != exit {
				t.Errorf("rebuild plan exited %d (JSON says %d), want %d for reproducible=%v", exit, online.Exit, want, c.reproducible)
			}
			if online.Offline || !online.Source.Checked || online.Containerfile.Path == "" {
				t.Errorf("online plan: offline %v, source checked %v, Containerfile %q", online.Offline, online.Source.Checked, online.Containerfile.Path)
			}
			if len(online.Images) == 0 {
				t.Errorf("online plan lists no FROM image")
			}
			for _, img := range online.Images {
				if img.Source == plan.Built {
					if _, _, local := konflux.LocalBase(img.Name); !local || !hasCode(online, plan.CodeLocalBase) {
						t.Errorf("FROM %s (stage %d) planned as built by the build, without PLAN210: %+v", img.Name, img.Stage, img)
					}
					continue
				}
				if img.Source == plan.Unresolved || !img.Checked {
					t.Errorf("FROM %s (stage %d) not resolved and checked: %+v", img.Name, img.Stage, img)
				}
			}

			offline, stderr, exit := runPlan(ctx, t, w, attestation, "--offline")
			if exit == plan.ExitCannot || exit > want {
				t.Errorf("rebuild plan --offline exited %d, want at most the online plan's %d:\n%s", exit, want, stderr)
			}
			if !offline.Offline || offline.Source.Checked || len(offline.Images) != 0 {
				t.Errorf("offline plan: offline %v, source checked %v, images %v", offline.Offline, offline.Source.Checked, offline.Images)
			}
			if !slices.Equal(offline.Labels, online.Labels) || !slices.Equal(offline.Annotations[len(offline.Annotations)-1:], online.Annotations[len(online.Annotations)-1:]) {
				t.Errorf("labels offline %q and online %q differ", offline.Labels, online.Labels)
			}
		})
	}
}

// runPlan runs `rebuild plan` in the world's environment and decodes its JSON.
func runPlan(ctx context.Context, t *testing.T, w *world.World, attestation []byte, args ...string) (plan.Plan, string, int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, rebuildBin, append([]string{"plan"}, args...)...)
	cmd.Env = w.Env()
	cmd.Stdin = bytes.NewReader(attestation)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	exit := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		exit = ee.ExitCode()
	case err != nil:
		t.Fatalf("running rebuild plan: %v", err)
	}
	var p plan.Plan
	if err := json.Unmarshal(stdout.Bytes(), &p); err != nil {
		t.Fatalf("rebuild plan %v printed no plan (%v); stderr:\n%s", args, err, stderr.String())
	}
	return p, stderr.String(), exit
}

// hasCode reports whether p has a finding with code c.
func hasCode(p plan.Plan, c plan.Code) bool {
	for _, f := range p.Findings {
		if f.Code == c {
			return true
		}
	}
	return false
}
