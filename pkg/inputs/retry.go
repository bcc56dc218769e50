package inputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"go.podman.io/image/v5/docker"
)

// How a fetch from a git server or a registry is retried: RetryAttempts tries, waiting
// RetryBackoff before the second and twice as long before each later one (1 s, then 2 s),
// each try abandoned after RequestTimeout (a small read: an SBOM, a referrers list) or
// TransferTimeout (a git fetch, an image copy). Only what can succeed on a retry is retried:
// refused, reset or dropped connections, timeouts, HTTP 5xx and 429. A 404, a missing
// commit or a digest mismatch fails at once.
const (
	RetryAttempts   = 3
	RetryBackoff    = time.Second
	RequestTimeout  = 2 * time.Minute
	TransferTimeout = 20 * time.Minute
)

// retryPolicy is how retried fetches behave; tests shorten it.
type retryPolicy struct {
	attempts        int
	backoff         time.Duration
	requestTimeout  time.Duration
	transferTimeout time.Duration
}

var retries = retryPolicy{
	attempts:        RetryAttempts,
	backoff:         RetryBackoff,
	requestTimeout:  RequestTimeout,
	transferTimeout: TransferTimeout,
}

// retry runs op until it succeeds, fails with an error a retry cannot fix, or has been
// tried retries.attempts times; each try gets a context that ends after timeout. An error
// after the last try says how many were made; op marks its errors ErrUnavailable itself.
func retry(ctx context.Context, timeout time.Duration, op func(ctx context.Context) error) error {
	wait := retries.backoff
	for attempt := 1; ; attempt++ {
		err := tryOnce(ctx, timeout, op)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return err
		case !transient(err):
			return err
		case attempt >= retries.attempts:
			return fmt.Errorf("giving up after %s: %w", attemptsText(attempt), err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

// tryOnce runs op with a context that ends after timeout; an op that outlives it is
// reported as timed out.
func tryOnce(ctx context.Context, timeout time.Duration, op func(ctx context.Context) error) error {
	attemptCtx, cancel := context.WithTimeoutCause(ctx, timeout, errAttemptTimeout)
	defer cancel()
	err := op(attemptCtx)
	if err != nil && ctx.Err() == nil && errors.Is(context.Cause(attemptCtx), errAttemptTimeout) {
		return fmt.Errorf("%w after %s: %w", errAttemptTimeout, timeout, err)
	}
	return err
}

var errAttemptTimeout = errors.New("timed out")

func attemptsText(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// finalError marks an error that no retry can fix, whatever it wraps.
type finalError struct{ err error }

func (e finalError) Error() string { return e.err.Error() }
func (e finalError) Unwrap() error { return e.err }

// transient reports whether err may go away on a retry: the network or the server failed,
// not the request.
func transient(err error) bool {
	var final finalError
	if errors.As(err, &final) {
		return false
	}
	if errors.Is(err, errAttemptTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	for _, e := range []error{
		syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ETIMEDOUT,
		io.EOF, io.ErrUnexpectedEOF,
	} {
		if errors.Is(err, e) {
			return true
		}
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	var dnsErr *net.DNSError // a name that does not resolve stays so
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	if code := statusCode(err); code != 0 {
		return code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
	}
	return false
}

// statusCode finds the HTTP status an error reports, whichever client made it; 0 if none.
func statusCode(err error) int {
	var unexpected *plumbing.UnexpectedError // go-git's, which does not unwrap
	if errors.As(err, &unexpected) && unexpected.Err != nil {
		if code := statusCode(unexpected.Err); code != 0 {
			return code
		}
	}
	var coded interface{ StatusCode() int } // go-git's transport/http.Err
	if errors.As(err, &coded) {
		return coded.StatusCode()
	}
	var image docker.UnexpectedHTTPStatusError
	if errors.As(err, &image) {
		return image.StatusCode
	}
	var own statusError
	if errors.As(err, &own) {
		return own.code
	}
	return 0
}
