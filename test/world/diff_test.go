package world

import "testing"

func TestLineDiff(t *testing.T) {
	got := lineDiff([]string{"a", "b", "c", "d"}, []string{"a", "x", "c", "d", "e"})
	if want := "-b\n+x\n+e\n"; got != want {
		t.Errorf("lineDiff = %q, want %q", got, want)
	}
}
