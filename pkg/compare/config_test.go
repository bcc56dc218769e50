package compare

import (
	"testing"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestHistoryCauses(t *testing.T) {
	copyStep := func(d string) imgspecv1.History {
		return imgspecv1.History{CreatedBy: "/bin/sh -c #(nop) COPY dir:" + d + " in /src "}
	}
	a, b := copyStep(hex64("a")), copyStep(hex64("b"))
	pub := &imgspecv1.Image{History: []imgspecv1.History{a, {CreatedBy: "RUN x"}}}
	reb := &imgspecv1.Image{History: []imgspecv1.History{b, {CreatedBy: "RUN y"}}}
	got := diffConfig(pub, reb)
	if len(got) != 2 || got[0].Cause != CauseContent || got[1].Cause != CauseConfig {
		t.Errorf("diffConfig = %+v, want history[0] content and history[1] config", got)
	}
}

func hex64(c string) string {
	s := ""
	for range 64 {
		s += c
	}
	return s
}
