package compare

import (
	"bytes"
	"testing"
)

// FuzzDiffStreams feeds two arbitrary byte streams, as a hostile registry could serve them,
// to the lockstep tar comparison: it must return an error or a result, never panic.
func FuzzDiffStreams(f *testing.F) {
	pub, reb := baseImage(), baseImage()
	reb.layers[1][1], reb.layers[1][2] = reb.layers[1][2], reb.layers[1][1]
	reb.layers[1][3].link = "elsewhere"
	f.Add(tarOf(f, pub.layers[1]), tarOf(f, reb.layers[1]))
	f.Add(tarOf(f, pub.layers[0]), []byte{})
	f.Add([]byte("not a tar"), tarOf(f, pub.layers[1]))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var labels []byte
		sa := newTarStream(bytes.NewReader(a), func(_ string, data []byte) { labels = data })
		d, err := diffStreams(sa, newTarStream(bytes.NewReader(b), nil), 3)
		if err != nil {
			return
		}
		if len(d.files) > 3 || d.total < len(d.files) || len(labels) > maxLabelsJSON {
			t.Fatalf("files %d, total %d, labels %d", len(d.files), d.total, len(labels))
		}
	})
}
