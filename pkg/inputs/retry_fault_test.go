package inputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	"go.podman.io/storage"

	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// faultCase is a server that fails, how many requests it fails, and what a fetch through it
// must give.
type faultCase struct {
	name     string
	fault    fault
	failures int  // requests failed before the server recovers; -1: the server is down
	attempts int  // tries the fetch may make
	ok       bool // the fetch must succeed; else it must fail with ErrUnavailable
}

const (
	faultBackoff = 20 * time.Millisecond
	// stallTimeout is the time a try may take against a stalling server; other cases allow
	// a loaded machine plenty.
	stallTimeout = time.Second
	otherTimeout = 30 * time.Second
	// faultBound is how long a fetch that fails may take: every try timing out, plus the
	// waits and some slack.
	faultBound = 3*stallTimeout + 3*faultBackoff + 1500*time.Millisecond
)

// timeout is the time each try of c may take.
func (c faultCase) timeout() time.Duration {
	if c.fault == stall {
		return stallTimeout
	}
	return otherTimeout
}

var faultCases = []faultCase{
	{"dropped connections, then up", dropConnection, 2, 3, true},
	{"503, then up", unavailable, 2, 3, true},
	{"stalled, then up", stall, 1, 3, true},
	{"always dropped, one attempt", dropConnection, 1 << 20, 1, false},
	{"always 503", unavailable, 1 << 20, 3, false},
	{"always stalled", stall, 1 << 20, 3, false},
	{"down", dropConnection, -1, 3, false},
}

// front puts a faulty server for c in front of backend ("http://host"), or returns a host
// nothing listens on; it returns the host to fetch from and the front, nil when down.
func (c faultCase) front(t *testing.T, backend string) (string, *faultyFront) {
	t.Helper()
	if c.failures < 0 {
		return downServer(t), nil
	}
	f := newFaultyFront(t, backend, c.fault, c.failures)
	return f.Host, f
}

// check checks err and the time the fetch took against c.
func (c faultCase) check(t *testing.T, err error, took time.Duration, f *faultyFront) {
	t.Helper()
	if c.ok {
		if err != nil {
			t.Fatalf("fetch through a server that recovers: %v", err)
		}
		if seen := f.requests.Load(); seen <= int64(c.failures) {
			t.Errorf("the server saw %d requests, fewer than the %d it failed", seen, c.failures)
		}
		return
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if c.attempts > 1 && !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Errorf("error %q does not say how many attempts were made", err)
	}
	if took > faultBound {
		t.Errorf("failing took %s, more than %s", took, faultBound)
	}
	t.Logf("failed in %s: %v", took.Round(time.Millisecond), err)
}

func TestCheckoutFaults(t *testing.T) {
	fx := newGitFixture(t, true)
	backend := strings.TrimSuffix(fx.URL, "/repo.git")
	for _, c := range faultCases {
		t.Run(c.name, func(t *testing.T) {
			fastRetries(t, c.attempts, faultBackoff, c.timeout())
			host, f := c.front(t, backend)
			start := time.Now()
			err := Checkout(context.Background(), "http://"+host+"/repo.git", fx.Commit, filepath.Join(t.TempDir(), "src"), CheckoutOptions{})
			c.check(t, err, time.Since(start), f)
			if err != nil && !strings.Contains(err.Error(), host) {
				t.Errorf("error %q does not name the server %s", err, host)
			}
		})
	}
}

func TestFetchSBOMFaults(t *testing.T) {
	reg := newTestRegistry(t, true)
	sbom, err := os.ReadFile("testdata/konflux.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	subject := reg.pushImage(t, "app", "v1")
	reg.pushCosignSBOM(t, "app", subject, sbom)
	for _, c := range faultCases {
		t.Run(c.name, func(t *testing.T) {
			fastRetries(t, c.attempts, faultBackoff, c.timeout())
			host, f := c.front(t, "http://"+reg.Host)
			insecureRegistries(t, host, reg.Host)
			start := time.Now()
			got, err := FetchSBOM(context.Background(), nil,
				provenance.Subject{Name: host + "/app", Digest: subject.String()}, host+"/app@"+digest.FromBytes(sbom).String())
			c.check(t, err, time.Since(start), f)
			if err == nil && string(got) != string(sbom) {
				t.Errorf("fetched %d bytes, not the SBOM", len(got))
			}
			if err != nil && !strings.Contains(err.Error(), host+"/app") {
				t.Errorf("error %q does not name the repository %s/app", err, host)
			}
		})
	}
}

func TestPullFaults(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for containers-storage")
	}
	reg := newTestRegistry(t, true)
	d := reg.pushImage(t, "builder", "latest")
	policy := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range faultCases {
		t.Run(c.name, func(t *testing.T) {
			fastRetries(t, c.attempts, faultBackoff, c.timeout())
			host, f := c.front(t, "http://"+reg.Host)
			insecureRegistries(t, host, reg.Host)
			tmp := t.TempDir()
			store, err := storage.GetStore(storage.StoreOptions{
				RunRoot: filepath.Join(tmp, "run"), GraphRoot: filepath.Join(tmp, "root"), GraphDriverName: "vfs",
			})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _, _ = store.Shutdown(true) }()
			pin := host + "/builder@" + d.String()
			start := time.Now()
			err = Pull(context.Background(), store, nil, policy, map[string]string{"builder:latest": pin}, nil)
			c.check(t, err, time.Since(start), f)
			if err != nil && !strings.Contains(err.Error(), pin) {
				t.Errorf("error %q does not name the image %s", err, pin)
			}
		})
	}
}

// TestFinalErrorsAreNotRetried checks that what a retry cannot fix fails at once, without
// waiting for a backoff.
func TestFinalErrorsAreNotRetried(t *testing.T) {
	fastRetries(t, 3, 10*time.Second, 10*time.Second)
	fx := newGitFixture(t, true)
	reg := newTestRegistry(t, true)
	sbom, err := os.ReadFile("testdata/konflux.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	subject := reg.pushImage(t, "app", "v1")
	reg.pushCosignSBOM(t, "app", subject, sbom)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		fetch func() error
		want  error
	}{
		{"missing repository", func() error {
			return Checkout(ctx, strings.TrimSuffix(fx.URL, "repo.git")+"absent.git", fx.Commit, filepath.Join(t.TempDir(), "a"), CheckoutOptions{})
		}, ErrUnavailable},
		{"missing commit", func() error {
			return Checkout(ctx, fx.URL, strings.Repeat("ab", 20), filepath.Join(t.TempDir(), "b"), CheckoutOptions{})
		}, ErrUnavailable},
		{"missing SBOM", func() error {
			_, err := FetchSBOM(ctx, nil, provenance.Subject{Name: reg.Host + "/app", Digest: digest.FromString("absent").String()}, "")
			return err
		}, ErrUnavailable},
		{"SBOM digest mismatch", func() error {
			_, err := FetchSBOM(ctx, nil, provenance.Subject{Name: reg.Host + "/app", Digest: subject.String()}, reg.Host+"/app@"+digest.FromString("other").String())
			return err
		}, ErrSBOMMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := tc.fetch()
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("failing took %s: it was retried", took)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "giving up") {
				t.Errorf("error %q says it was retried", err)
			}
		})
	}
}

// TestTransient checks the classification of errors the HTTP clients return.
func TestTransient(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"reset", fmt.Errorf("reading: %w", syscall.ECONNRESET), true},
		{"dropped", &url.Error{Op: "Get", URL: "http://x/", Err: io.EOF}, true},
		{"unknown host", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, false},
		{"try timed out", fmt.Errorf("%w after 1s: x", errAttemptTimeout), true},
		{"503 from containers/image", docker.UnexpectedHTTPStatusError{StatusCode: 503}, true},
		{"404 from containers/image", docker.UnexpectedHTTPStatusError{StatusCode: 404}, false},
		{"429 from the referrers client", statusError{"http://x/", 429}, true},
		{"401 from the referrers client", statusError{"http://x/", 401}, false},
		{"final, whatever it wraps", finalError{fmt.Errorf("%w: %w", ErrSBOMMismatch, io.EOF)}, false},
		{"not found", errors.New("manifest unknown"), false},
	} {
		if got := transient(tc.err); got != tc.want {
			t.Errorf("%s: transient(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
