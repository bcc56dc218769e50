package compare

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgress: the layer reads of a comparison say how far they have come.
func TestProgress(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = 0
	reb := baseImage()
	reb.layers[1][1].body = "A\n"
	var progress bytes.Buffer
	compareImages(t, baseImage(), reb, Options{Progress: &progress})
	for _, want := range []string{"reading layer 1 of the published image: ", "reading layer 1 of the rebuilt image: ", " MiB read ("} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
}
