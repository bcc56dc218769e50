package inputs

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"
)

// containers/image has no client for the OCI referrers API: this is a small one, with the
// same registries.conf (insecure) and credentials as containers/image would use.

const maxIndexSize = 4 << 20

// findReferrers lists subject's referrers in named's repository: by the referrers API, else
// by the referrers tag schema's index (a registry without the API).
func findReferrers(ctx context.Context, sys *types.SystemContext, named reference.Named, subject digest.Digest) ([]imgspecv1.Descriptor, error) {
	descs, err := listReferrers(ctx, sys, named, subject)
	if err != nil {
		var tagErr error
		if descs, tagErr = referrersByTagSchema(ctx, sys, named, subject); tagErr != nil {
			return nil, errors.Join(err, tagErr)
		}
	}
	return descs, nil
}

// referrersByTagSchema reads the index that registries without the referrers API keep
// under the tag "sha256-<hex>" (the OCI distribution spec's fallback).
func referrersByTagSchema(ctx context.Context, sys *types.SystemContext, named reference.Named, subject digest.Digest) ([]imgspecv1.Descriptor, error) {
	tagged, err := reference.WithTag(named, subject.Algorithm().String()+"-"+subject.Encoded())
	if err != nil {
		return nil, err
	}
	src, err := openSource(ctx, sys, tagged)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	raw, _, err := src.GetManifest(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrUnavailable, tagged, err)
	}
	var index imgspecv1.Index
	if err := json.Unmarshal(raw, &index); err != nil {
		return nil, fmt.Errorf("parsing referrers index %s: %w", tagged, err)
	}
	return index.Manifests, nil
}

// listReferrers returns the descriptors in the OCI referrers index of subject in named's
// repository.
func listReferrers(ctx context.Context, sys *types.SystemContext, named reference.Named, subject digest.Digest) ([]imgspecv1.Descriptor, error) {
	c, bases, err := newRegistryClient(sys, named)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, base := range bases {
		u := base + "/referrers/" + subject.String()
		descs, err := c.referrers(ctx, u)
		if err == nil {
			return descs, nil
		}
		errs = append(errs, err)
		var status statusError
		if errors.As(err, &status) {
			break
		}
	}
	return nil, fmt.Errorf("%w: listing referrers of %s@%s: %w", ErrUnavailable, named, subject, errors.Join(errs...))
}

// newRegistryClient is a client for named's repository, with registries.conf's insecure
// setting and the credentials containers/image would use, and the repository's API URLs to
// try in turn (https, then http for an insecure registry).
func newRegistryClient(sys *types.SystemContext, named reference.Named) (*registryClient, []string, error) {
	host := reference.Domain(named)
	if host == "docker.io" {
		host = "registry-1.docker.io"
	}
	insecure := sys != nil && sys.DockerInsecureSkipTLSVerify == types.OptionalBoolTrue
	if reg, err := sysregistriesv2.FindRegistry(sys, named.Name()); err != nil {
		return nil, nil, fmt.Errorf("reading registries configuration: %w", err)
	} else if reg != nil && reg.Insecure {
		insecure = true
	}
	creds, err := config.GetCredentials(sys, reference.Domain(named))
	if err != nil {
		return nil, nil, fmt.Errorf("reading credentials for %s: %w", host, err)
	}
	c := &registryClient{
		http: &http.Client{Transport: &http.Transport{
			Proxy:           http.ProxyFromEnvironment,
			TLSClientConfig: &tls.Config{InsecureSkipVerify: insecure},
		}},
		creds: creds,
		scope: "repository:" + reference.Path(named) + ":pull",
	}
	bases := []string{"https://" + host + "/v2/" + reference.Path(named)}
	if insecure {
		bases = append(bases, "http://"+host+"/v2/"+reference.Path(named))
	}
	return c, bases, nil
}

type statusError struct {
	url  string
	code int
}

func (e statusError) Error() string {
	return fmt.Sprintf("GET %s: %s", e.url, http.StatusText(e.code))
}

type registryClient struct {
	http  *http.Client
	creds types.DockerAuthConfig
	scope string
}

func (c *registryClient) referrers(ctx context.Context, u string) ([]imgspecv1.Descriptor, error) {
	resp, err := c.get(ctx, u, imgspecv1.MediaTypeImageIndex)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, statusError{u, resp.StatusCode}
	}
	var index imgspecv1.Index
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxIndexSize)).Decode(&index); err != nil {
		return nil, fmt.Errorf("parsing referrers index from %s: %w", u, err)
	}
	return index.Manifests, nil
}

// get sends a GET, answering one authentication challenge (Basic or Bearer token).
func (c *registryClient) get(ctx context.Context, u, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := c.http.Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	resp.Body.Close()
	scheme, params := parseChallenge(resp.Header.Get("WWW-Authenticate"))
	switch scheme {
	case "basic":
		req.SetBasicAuth(c.creds.Username, c.creds.Password)
	case "bearer":
		token, err := c.token(ctx, params)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	default:
		return nil, statusError{u, http.StatusUnauthorized}
	}
	return c.http.Do(req)
}

func (c *registryClient) token(ctx context.Context, params map[string]string) (string, error) {
	realm, err := url.Parse(params["realm"])
	if err != nil || realm.Scheme == "" {
		return "", fmt.Errorf("bad token realm %q", params["realm"])
	}
	q := realm.Query()
	if s := params["service"]; s != "" {
		q.Set("service", s)
	}
	q.Set("scope", c.scope)
	realm.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, realm.String(), nil)
	if err != nil {
		return "", err
	}
	if c.creds.Username != "" {
		req.SetBasicAuth(c.creds.Username, c.creds.Password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("getting a registry token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", statusError{realm.String(), resp.StatusCode}
	}
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&t); err != nil {
		return "", fmt.Errorf("parsing registry token: %w", err)
	}
	if t.Token != "" {
		return t.Token, nil
	}
	return t.AccessToken, nil
}

// parseChallenge splits a WWW-Authenticate header into its lowercased scheme and parameters.
func parseChallenge(h string) (string, map[string]string) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	params := map[string]string{}
	for rest = strings.TrimSpace(rest); rest != ""; {
		key, after, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var value string
		if strings.HasPrefix(after, `"`) {
			end := strings.Index(after[1:], `"`)
			if end < 0 {
				break
			}
			value, rest = after[1:1+end], after[2+end:]
		} else {
			value, rest, _ = strings.Cut(after, ",")
		}
		params[key] = strings.TrimSpace(value)
		rest = strings.TrimLeft(rest, ", ")
	}
	return strings.ToLower(scheme), params
}
