package test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// kbcNoContentSets is the content-sets.json konflux-build-cli writes for a prefetch SBOM that
// names no RPM repository.
const kbcNoContentSets = "{\n  \"content_sets\": null,\n  \"from_dnf_hint\": true,\n  \"metadata\": {\n" +
	"    \"icm_spec\": \"https://raw.githubusercontent.com/containerbuildsystem/atomic-reactor/master/atomic_reactor/schemas/content_manifest.json\",\n" +
	"    \"icm_version\": 1,\n    \"image_layer_index\": 0\n  }\n}\n"

// TestKBCHermeticWorld checks the world's side of the kbc-hermetic cases, task 0.10's
// konflux-build-cli over the prefetch, with no rebuild: what the RUNs made of the prefetched
// files and of the env file's variables, and how the variables got in. From cachi2.env
// alone (prefetch task 0.2) konflux-build-cli makes each RUN source /cachi2/cachi2.env, which
// the image's history shows; from prefetch-env.json (task 0.3.1) it passes them as secret env
// mounts and leaves the RUNs as they are.
func TestKBCHermeticWorld(t *testing.T) {
	w := requireWorld(t)
	pip := map[string]string{
		"opt/pip.env":      "PIP_FIND_LINKS=/cachi2/output/deps/pip\nPIP_NO_INDEX=true\n",
		"opt/pip.list":     "tool-d4141a05712150f8a3ea822517665c31719b678ae9ecc5366a47127262e800de.tar.gz\n",
		"opt/tool/VERSION": "tool 1.0\n",
	}
	for _, tc := range []struct {
		name    string
		files   map[string]string
		envJSON string // prefetch-env.json in CACHI2_ARTIFACT, "" for none
	}{
		{"kbc-hermetic-generic", nil, ""},
		{"kbc-hermetic-pip", pip, ""},
		{"kbc-hermetic-pip-secrets", pip, `[{"name": "PIP_FIND_LINKS", "value": "/cachi2/output/deps/pip"}, {"name": "PIP_NO_INDEX", "value": "true"}]` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == tc.name })
			pub := publish(ctx, t, w, cases[i], epoch.AddDate(0, 0, i)) // as TestRebuild publishes it
			want := tc.files
			if want == nil {
				want = hermeticGenericFiles(t)
				// konflux-build-cli's, from the prefetch SBOM (include-legacy-buildinfo-path: both)
				want["usr/share/buildinfo/content-sets.json"] = kbcNoContentSets
				want["root/buildinfo/content-sets.json"] = kbcNoContentSets
			}
			wantHermeticImage(t, imageFiles(ctx, t, pub.Ref), want)
			artifact := artifactFiles(ctx, t, w, pub.Prefetch.Artifact)
			if got, ok := artifact["./prefetch-env.json"]; got != tc.envJSON || ok != (tc.envJSON != "") {
				t.Errorf("world: CACHI2_ARTIFACT's prefetch-env.json = %q (present %v), want %q", got, ok, tc.envJSON)
			}
			if tc.envJSON != "" && artifact["./prefetch.env"] != artifact["./cachi2.env"] {
				t.Errorf("world: prefetch.env = %q, want cachi2.env's %q", artifact["./prefetch.env"], artifact["./cachi2.env"])
			}
			// The RUN steps' history: sourcing the env file, or not.
			runs, sourced := 0, 0
			for _, h := range imageHistory(ctx, t, pub.Ref) {
				if strings.Contains(h, "/cachi2/output/deps/") { // every RUN of both fixtures reads them
					runs++
					if strings.Contains(h, ". /cachi2/cachi2.env &&") {
						sourced++
					}
				}
			}
			wantSourced, how := runs, "all (RUN lines rewritten)"
			if tc.envJSON != "" {
				wantSourced, how = 0, "none (secret env mounts)"
			}
			t.Logf("%d of %d RUN steps in the history source /cachi2/cachi2.env", sourced, runs)
			if runs == 0 || sourced != wantSourced {
				t.Errorf("world: %d of %d RUN steps in the history source /cachi2/cachi2.env, want %s", sourced, runs, how)
			}
			checkPrefetchPredicate(t, w, pub)
			bundle := "task-prefetch-dependencies-oci-ta:0.2@"
			if tc.envJSON != "" {
				bundle = "task-prefetch-dependencies-oci-ta:0.3@"
			}
			if !strings.Contains(attestationPayload(t, pub.Attestation), bundle) {
				t.Errorf("world: the provenance's prefetch-dependencies task is not %s", bundle)
			}
		})
	}
}

// attestationPayload is the in-toto statement of the first line cosign verify-attestation printed.
func attestationPayload(t *testing.T, attestation []byte) string {
	t.Helper()
	line, _, _ := bytes.Cut(attestation, []byte("\n"))
	var env struct{ Payload string }
	if err := json.Unmarshal(line, &env); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	return string(payload)
}

// artifactFiles unpacks a trusted artifact (oci:<repo>@sha256:<blob>): its regular files by
// tar entry name ("./cachi2.env").
func artifactFiles(ctx context.Context, t *testing.T, w *world.World, uri string) map[string]string {
	t.Helper()
	blob, err := w.FetchTrustedArtifact(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	return tarRegularFiles(t, gz)
}

// imageHistory is the created_by of each history entry of the image ref (repo@digest).
func imageHistory(ctx context.Context, t *testing.T, ref string) []string {
	t.Helper()
	cf, err := remoteImage(ctx, t, ref).ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range cf.History {
		out = append(out, h.CreatedBy)
	}
	return out
}
