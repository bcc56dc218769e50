package inputs

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fault is how a faultyFront fails the requests it fails.
type fault int

const (
	dropConnection fault = iota // close the connection without an answer
	unavailable                 // answer 503 Service Unavailable
	stall                       // answer nothing until the client gives up
)

// faultyFront is a loopback HTTP server in front of a real one (a git http-backend, a
// registry) that fails the first failures requests as fault says, then passes requests on.
type faultyFront struct {
	URL      string
	Host     string
	requests atomic.Int64 // every request seen, failed or passed on
}

func newFaultyFront(t *testing.T, backend string, f fault, failures int) *faultyFront {
	t.Helper()
	target, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := &faultyFront{}
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := front.requests.Add(1); n > int64(failures) {
			proxy.ServeHTTP(w, r)
			return
		}
		switch f {
		case dropConnection:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		case unavailable:
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		case stall:
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
		}
	}))
	t.Cleanup(s.Close)
	front.URL = s.URL
	front.Host = strings.TrimPrefix(s.URL, "http://")
	return front
}

// downServer returns the address of a loopback port nothing listens on any more.
func downServer(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	s.Close()
	return strings.TrimPrefix(s.URL, "http://")
}

// insecureRegistries points CONTAINERS_REGISTRIES_CONF at a file marking hosts insecure.
func insecureRegistries(t *testing.T, hosts ...string) {
	t.Helper()
	var conf strings.Builder
	for _, h := range hosts {
		fmt.Fprintf(&conf, "[[registry]]\nlocation = %q\ninsecure = true\n", h)
	}
	path := filepath.Join(t.TempDir(), "registries.conf")
	if err := os.WriteFile(path, []byte(conf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONTAINERS_REGISTRIES_CONF", path)
}

// fastRetries shortens the retry policy for the test: attempts tries, backoff first wait,
// timeout for each try.
func fastRetries(t *testing.T, attempts int, backoff, timeout time.Duration) {
	t.Helper()
	saved := retries
	retries = retryPolicy{attempts: attempts, backoff: backoff, requestTimeout: timeout, transferTimeout: timeout}
	t.Cleanup(func() { retries = saved })
}
