package inputs

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// entry is one manifest of a test index: an image pushed to the registry and how the index
// describes it.
type entry struct {
	platform    v1.Platform
	annotations map[string]string
}

// pushIndex pushes a random image per entry and an OCI index of them, in order; it returns
// the index's digest and the images' digests.
func (r *testRegistry) pushIndex(t *testing.T, repo string, entries ...entry) (string, []string) {
	t.Helper()
	var idx v1.ImageIndex = empty.Index
	var digests []string
	for i, e := range entries {
		img, err := random.Image(128, 1)
		if err != nil {
			t.Fatal(err)
		}
		d := r.push(t, r.Host+"/"+repo+":child"+string(rune('a'+i)), img)
		digests = append(digests, d.String())
		p := e.platform
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p, Annotations: e.annotations}})
	}
	n, err := name.ParseReference(r.Host+"/"+repo+":index", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(n, idx); err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String(), digests
}

func TestPublishedImage(t *testing.T) {
	r := newTestRegistry(t, false)
	ctx := context.Background()
	amd64 := v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64 := v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}
	zstd := map[string]string{ZstdAnnotation: "true"}
	subject := func(repo, d string) provenance.Subject {
		return provenance.Subject{Name: r.Host + "/" + repo, Digest: d}
	}

	t.Run("one image is itself", func(t *testing.T) {
		s := subject("plain", r.pushImage(t, "plain", "v1").String())
		got, err := PublishedImage(ctx, nil, s, "linux/amd64")
		if err != nil || got != s {
			t.Fatalf("got %v, %v; want %v", got, err, s)
		}
	})
	t.Run("dual index gives its gzip image", func(t *testing.T) {
		idx, children := r.pushIndex(t, "dual", entry{platform: amd64}, entry{platform: amd64, annotations: zstd})
		got, err := PublishedImage(ctx, nil, subject("dual", idx), "linux/amd64")
		if err != nil || got != subject("dual", children[0]) {
			t.Fatalf("got %v, %v; want the gzip child %s", got, err, children[0])
		}
	})
	t.Run("the build's platform among others", func(t *testing.T) {
		idx, children := r.pushIndex(t, "multi", entry{platform: amd64}, entry{platform: arm64}, entry{platform: arm64, annotations: zstd})
		got, err := PublishedImage(ctx, nil, subject("multi", idx), "linux/arm64")
		if err != nil || got != subject("multi", children[1]) {
			t.Fatalf("got %v, %v; want the arm64 child %s", got, err, children[1])
		}
	})
	for _, tc := range []struct {
		name    string
		entries []entry
	}{
		{"no image for the platform", []entry{{platform: arm64}}},
		{"only a zstd image", []entry{{platform: amd64, annotations: zstd}}},
		{"two gzip images", []entry{{platform: amd64}, {platform: amd64}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idx, _ := r.pushIndex(t, "bad", tc.entries...)
			_, err := PublishedImage(ctx, nil, subject("bad", idx), "linux/amd64")
			if !errors.Is(err, ErrNoPlatformImage) {
				t.Fatalf("got %v, want ErrNoPlatformImage", err)
			}
		})
	}
	t.Run("missing digest is unavailable", func(t *testing.T) {
		_, err := PublishedImage(ctx, nil, subject("plain", "sha256:0000000000000000000000000000000000000000000000000000000000000000"), "linux/amd64")
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("got %v, want ErrUnavailable", err)
		}
	})
}
