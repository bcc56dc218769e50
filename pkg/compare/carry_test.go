package compare

import (
	"strings"
	"testing"
	"time"
)

// TestCarry: a rebuild that differs from the published image by time values alone (file
// times, the created time, build-date, labels.json's) is equivalent; one more changed byte
// anywhere else (a file, a mode, an owner, another label, a file on one side) never is.
func TestCarry(t *testing.T) {
	later := t0.Add(7*time.Hour + 123*time.Millisecond)
	labelsJSON := func(date string) string { return `{"build-date": "` + date + `", "name": "test"}` + "\n" }
	published := func() testImage {
		ti := baseImage()
		ti.layers = append(ti.layers, []entry{{name: "root/buildinfo/labels.json", body: labelsJSON("2026-01-01T00:00:00Z")}})
		return ti
	}
	clock := func(ti *testImage) { // the rebuild's clock, everywhere the build writes it
		ti.created = later
		ti.labels["build-date"] = "2026-01-01T07:00:00Z"
		ti.annotations["org.opencontainers.image.created"] = "2026-01-01T07:00:00Z"
		for i := range ti.layers[1] {
			ti.layers[1][i].mtime = later
		}
		ti.layers[2][0].body = labelsJSON("2026-01-01T07:00:00Z")
	}
	tests := []struct {
		name       string
		change     func(*testImage)
		equivalent bool
		tried      bool
	}{
		{name: "times only", change: clock, equivalent: true, tried: true},
		{name: "sub-second mtime (PAX)", change: func(ti *testImage) { ti.layers[1][1].mtime = later }, equivalent: true, tried: true},
		{name: "and a file's content", change: func(ti *testImage) { clock(ti); ti.layers[1][1].body = "A\n" }, tried: true},
		{name: "and labels.json's other value", change: func(ti *testImage) {
			clock(ti)
			ti.layers[2][0].body = strings.Replace(labelsJSON("2026-01-01T07:00:00Z"), `"test"`, `"tesT"`, 1)
		}, tried: true},
		{name: "and another label", change: func(ti *testImage) { clock(ti); ti.labels["name"] = "other" }, tried: true},
		{name: "and a mode", change: func(ti *testImage) { clock(ti); ti.layers[1][1].mode = 0o600 }},
		{name: "and an owner", change: func(ti *testImage) { clock(ti); ti.layers[1][1].uid = 1 }},
		{name: "and a file more", change: func(ti *testImage) {
			clock(ti)
			ti.layers[1] = append(ti.layers[1], entry{name: "app/c.txt", body: "c\n", mtime: later})
		}},
		{name: "and a symlink's target", change: func(ti *testImage) { clock(ti); ti.layers[1][3].link = "b.txt" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reb := published()
			tc.change(&reb)
			rep := compareImages(t, published(), reb, Options{})
			if rep.Identical {
				t.Fatal("identical: the test changes nothing")
			}
			if got := rep.Equivalence != nil; got != tc.tried {
				t.Errorf("carry tried %v, want %v (causes %v)", got, tc.tried, rep.Causes)
			}
			if rep.Equivalent() != tc.equivalent {
				t.Errorf("equivalent %v, want %v: %+v", rep.Equivalent(), tc.equivalent, rep.Equivalence)
			}
			if tc.equivalent && (rep.Equivalence.ID != rep.Published.ID || !strings.HasPrefix(rep.Verdict(), "equivalent: ")) {
				t.Errorf("ID %s (published %s), verdict %q", rep.Equivalence.ID, rep.Published.ID, rep.Verdict())
			}
		})
	}
	t.Run("what is carried", func(t *testing.T) {
		reb := published()
		clock(&reb)
		rep := compareImages(t, published(), reb, Options{})
		want := map[string]bool{"config created": false, "label build-date": false, "annotation org.opencontainers.image.created": false,
			"layer 1 /app/a.txt: mtime": false, "layer 2 /root/buildinfo/labels.json build-date": false}
		for _, c := range rep.Equivalence.Carried {
			if _, ok := want[c.Where]; ok {
				want[c.Where] = true
			}
			if c.Published == c.Rebuilt {
				t.Errorf("carried %+v: the same value", c)
			}
		}
		for w, seen := range want {
			if !seen {
				t.Errorf("nothing carried at %q: %+v", w, rep.Equivalence.Carried)
			}
		}
	})
}
