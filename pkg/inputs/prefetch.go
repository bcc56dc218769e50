package inputs

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

// FetchPrefetched fetches a trusted artifact, as the prefetch task recorded it
// ("oci:<repository>@sha256:<hex>", the digest of its one tar.gz blob), and unpacks it into
// dir, as the build task's use-trusted-artifact step did: `oras blob fetch | tar -zxpf -`.
// The blob must have the recorded digest; only folders and regular files are unpacked.
func FetchPrefetched(ctx context.Context, sys *types.SystemContext, artifact, dir string) error {
	repo, want, err := parseArtifact(artifact)
	if err != nil {
		return err
	}
	return retry(ctx, retries.requestTimeout, func(ctx context.Context) error {
		if err := os.RemoveAll(dir); err != nil {
			return finalError{err}
		}
		rc, err := openBlob(ctx, WithRegistriesConf(sys), repo, want)
		if err != nil {
			return fmt.Errorf("%w: fetching the prefetched content %s: %w", ErrUnavailable, artifact, err)
		}
		defer rc.Close()
		return unpackVerified(rc, want, artifact, dir)
	})
}

// SavePrefetched copies the trusted artifact's blob, checked against its digest, into the
// blobs of the OCI layout at layout, where PrefetchedFromLayout reads it.
func SavePrefetched(ctx context.Context, sys *types.SystemContext, artifact, layout string) error {
	repo, want, err := parseArtifact(artifact)
	if err != nil {
		return err
	}
	dst := filepath.Join(layout, "blobs", want.Algorithm().String(), want.Encoded())
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return retry(ctx, retries.requestTimeout, func(ctx context.Context) error {
		rc, err := openBlob(ctx, WithRegistriesConf(sys), repo, want)
		if err != nil {
			return fmt.Errorf("%w: fetching the prefetched content %s: %w", ErrUnavailable, artifact, err)
		}
		defer rc.Close()
		tmp := dst + ".partial"
		verified, err := saveVerified(tmp, rc, want)
		switch {
		case err != nil:
			return fmt.Errorf("%w: fetching the prefetched content %s: %w", ErrUnavailable, artifact, err)
		case !verified:
			return finalError{fmt.Errorf("%w: %s has another digest", ErrPrefetched, artifact)}
		}
		return os.Rename(tmp, dst)
	})
}

// PrefetchedFromLayout reads the trusted artifact's blob from the OCI layout at layout (a
// kit's images, where `rebuild kit` puts it) instead of its registry.
func PrefetchedFromLayout(layout, artifact, dir string) error {
	_, want, err := parseArtifact(artifact)
	if err != nil {
		return err
	}
	f, err := os.Open(filepath.Join(layout, "blobs", want.Algorithm().String(), want.Encoded()))
	if err != nil {
		return fmt.Errorf("%w: the prefetched content %s is not in %s: %w", ErrUnavailable, artifact, layout, err)
	}
	defer f.Close()
	return unpackVerified(f, want, artifact, dir)
}

// parseArtifact reads a trusted artifact's reference, oci:<repository>@sha256:<hex>.
func parseArtifact(artifact string) (reference.Named, digest.Digest, error) {
	repo, d, err := parseBlobURL(strings.TrimPrefix(artifact, "oci:"))
	if err != nil {
		return nil, "", fmt.Errorf("CACHI2_ARTIFACT: %w", err)
	}
	return repo, d, nil
}

// saveVerified writes r into file and reports whether what it read had the digest want; file
// is removed unless it had.
func saveVerified(file string, r io.Reader, want digest.Digest) (bool, error) {
	verifier := want.Verifier()
	if err := writeEntry(file, io.TeeReader(r, verifier), 0o644); err != nil {
		_ = os.Remove(file)
		return false, err
	}
	if !verifier.Verified() {
		_ = os.Remove(file)
		return false, nil
	}
	return true, nil
}

// unpackVerified unpacks the tar.gz r into dir and checks that r had the digest want; on any
// error dir is removed.
func unpackVerified(r io.Reader, want digest.Digest, artifact, dir string) (err error) {
	defer func() {
		if err != nil {
			_ = os.RemoveAll(dir)
		}
	}()
	verifier := want.Verifier()
	if err := untarGz(io.TeeReader(r, verifier), dir); err != nil {
		return finalError{fmt.Errorf("%w: unpacking %s: %w", ErrPrefetched, artifact, err)}
	}
	if _, err := io.Copy(verifier, r); err != nil {
		return fmt.Errorf("%w: reading the prefetched content %s: %w", ErrUnavailable, artifact, err)
	}
	if !verifier.Verified() {
		return finalError{fmt.Errorf("%w: %s has another digest", ErrPrefetched, artifact)}
	}
	return nil
}

// untarGz unpacks a tar.gz stream into dir, refusing names that leave it and entries that are
// neither folders nor regular files.
func untarGz(r io.Reader, dir string) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean("/" + h.Name)[1:]
		if name == "" {
			continue
		}
		to := filepath.Join(dir, filepath.FromSlash(name))
		mode := os.FileMode(h.Mode).Perm()
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(to, 0o755); err != nil {
				return err
			}
			err = os.Chmod(to, mode|0o700)
		case tar.TypeReg:
			err = writeEntry(to, tr, mode|0o600)
		default:
			return fmt.Errorf("entry %s is neither a folder nor a regular file", h.Name)
		}
		if err != nil {
			return err
		}
	}
}

func writeEntry(to string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(to, mode)
}

// openBlob GETs a blob by digest from repo's registry. containers/image reads blobs of an
// image whose manifest it read first; a trusted artifact is named by its blob's digest alone.
func openBlob(ctx context.Context, sys *types.SystemContext, repo reference.Named, d digest.Digest) (io.ReadCloser, error) {
	c, bases, err := newRegistryClient(sys, repo)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, base := range bases {
		u := base + "/blobs/" + d.String()
		resp, err := c.get(ctx, u, "*/*")
		if err == nil && resp.StatusCode == http.StatusOK {
			return resp.Body, nil
		}
		if err == nil {
			resp.Body.Close()
			return nil, statusError{u, resp.StatusCode}
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// DownloadLocked fetches rawURL (https or http) into file, as Hermeto did for a lock file's
// entry, and checks it against checksum ("sha256:<hex>"); on any error file is removed.
func DownloadLocked(ctx context.Context, rawURL, checksum, file string) error {
	if !strings.HasPrefix(rawURL, "https://") && !strings.HasPrefix(rawURL, "http://") {
		return fmt.Errorf("%w: %s: only https and http URLs are fetched", ErrPrefetched, rawURL)
	}
	want, err := digest.Parse(checksum)
	if err != nil {
		return fmt.Errorf("%w: %s: checksum %q: %w", ErrPrefetched, rawURL, checksum, err)
	}
	return retry(ctx, retries.requestTimeout, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return finalError{err}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("%w: GET %s: %w", ErrUnavailable, rawURL, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%w: GET %s: %s", ErrUnavailable, rawURL, resp.Status)
		}
		verified, err := saveVerified(file, resp.Body, want)
		switch {
		case err != nil:
			return fmt.Errorf("%w: GET %s: %w", ErrUnavailable, rawURL, err)
		case !verified:
			return finalError{fmt.Errorf("%w: %s is not the file the lock file names (%s)", ErrPrefetched, rawURL, checksum)}
		}
		return nil
	})
}
