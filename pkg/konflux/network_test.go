package konflux

import (
	"slices"
	"testing"
	"time"
)

// TestNetwork checks what each task version's buildah saw of the network: its own namespace
// for HERMETIC builds, loopback down in 0.1 and in 0.2 before 9816995e (2024-10-23).
func TestNetwork(t *testing.T) {
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		profile  string
		hermetic bool
		started  time.Time
		want     Network
	}{
		{"buildah/0.8", false, time.Time{}, Network{}},
		{"buildah/0.8", true, time.Time{}, Network{Isolated: true, Loopback: true}},
		{"buildah/0.1", true, day("2024-06-03"), Network{Isolated: true}},
		{"buildah/0.2", true, day("2024-10-15"), Network{Isolated: true}},
		{"buildah/0.2", true, day("2024-10-24"), Network{Isolated: true, Loopback: true}},
		{"buildah/0.4", true, day("2025-03-01"), Network{Isolated: true, Loopback: true}},
		{"konflux-build-cli/0.10", true, time.Time{}, Network{Isolated: true, Loopback: true}},
		{"konflux-build-cli/0.13", false, time.Time{}, Network{}},
	} {
		i := slices.IndexFunc(profiles, func(p *Profile) bool { return p.Name == c.profile })
		if i < 0 {
			t.Fatalf("no profile %s", c.profile)
		}
		task := DefaultTask()
		task.Hermetic, task.Started = c.hermetic, c.started
		if got := profiles[i].rules.network(task); got != c.want {
			t.Errorf("%s, HERMETIC=%v, started %s: %+v, want %+v", c.profile, c.hermetic, c.started.Format(time.DateOnly), got, c.want)
		}
	}
}
