package test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// verifyCase is a published image and what rebuild --verify must say about it.
type verifyCase struct {
	name     string // repository name
	fixture  string // folder under testdata
	params   world.Params
	drift    bool // the SBOM names another base image than the build used
	task     world.TaskRun
	buildah  string
	flags    func(t *testing.T, w *world.World, pub world.Published) []string
	exit     int      // 0 identical, 1 different
	want     []string // on stderr
	checkOut func(t *testing.T, w *world.World, pub world.Published, res rebuildResult)
}

// TestVerify publishes images and checks rebuild --verify's verdict, explanation, report,
// extracted files and signed verification summary.
func TestVerify(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	dir := t.TempDir()
	key, pub := writeECKey(t, dir)
	for i, c := range []verifyCase{
		{
			name: "verify-same", fixture: "verify-same",
			flags: func(t *testing.T, w *world.World, p world.Published) []string {
				archive := saveImage(t, w, p, "docker-archive:"+filepath.Join(dir, "same.tar"))
				return []string{"--published", archive, "--attest", key, "--attest-out", filepath.Join(dir, "same.vsa.json")}
			},
			want: []string{"rebuild: verify: identical"},
			checkOut: func(t *testing.T, w *world.World, p world.Published, _ rebuildResult) {
				checkVSA(t, w, p, pub, filepath.Join(dir, "same.vsa.json"), "PASSED")
			},
		},
		{
			name: "verify-clock", fixture: "clock", params: world.Params{"DOCKERFILE": "Containerfile"},
			flags: func(*testing.T, *world.World, world.Published) []string {
				return []string{"--report", filepath.Join(dir, "clock.json"), "--diff-dir", filepath.Join(dir, "clock-diff"),
					"--attest", key, "--attest-out", filepath.Join(dir, "clock.vsa.json")}
			},
			exit: 1, want: []string{"rebuild: verify: different", "/stamp: content", ": file content"},
			checkOut: func(t *testing.T, w *world.World, p world.Published, res rebuildResult) {
				checkReport(t, filepath.Join(dir, "clock.json"), res, "/stamp")
				for _, side := range []string{"published", "rebuilt"} {
					if _, err := os.Stat(filepath.Join(dir, "clock-diff", side, "stamp")); err != nil {
						t.Errorf("--diff-dir: %v", err)
					}
				}
				checkVSA(t, w, p, pub, filepath.Join(dir, "clock.vsa.json"), "FAILED")
			},
		},
		{
			name: "verify-no-rewrite", fixture: "no-rewrite", params: world.Params{"DOCKERFILE": "Containerfile", "REWRITE_TIMESTAMP": "false"},
			flags: func(t *testing.T, w *world.World, p world.Published) []string {
				return []string{"--published", saveImage(t, w, p, "oci:"+filepath.Join(dir, "no-rewrite-layout")+":published")}
			},
			// Only file times differ: carried over, the IDs match.
			exit: 5, want: []string{"rebuild: verify: equivalent:", "file times", "/opt/built: mtime"},
		},
		{
			name: "verify-git", fixture: "verify-git",
			exit: 1, want: []string{"rebuild: verify: different", "/src/.git/"},
		},
		{
			name: "verify-drift", fixture: "verify-same", drift: true,
			flags: func(t *testing.T, w *world.World, p world.Published) []string {
				return []string{"--published", saveImage(t, w, p, "oci-archive:"+filepath.Join(dir, "drift.tar"))}
			},
			exit: 1, want: []string{"input drift", "the base image the SBOM names"},
		},
	} {
		t.Run(c.name, func(t *testing.T) { runVerifyCase(t, w, c, epoch.AddDate(0, 1, i)) })
	}
}

// runVerifyCase publishes c on date and checks rebuild --verify's exit code, stdout and
// stderr, then c.checkOut.
func runVerifyCase(t *testing.T, w *world.World, c verifyCase, date time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p := publishForVerify(ctx, t, w, c, date)
	args := []string{"--verify"}
	if c.flags != nil {
		args = append(args, c.flags(t, w, p)...)
	}
	start := time.Now()
	res, err := runRebuild(ctx, w, p.Attestation, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	t.Logf("rebuild --verify took %s; stderr:\n%s", time.Since(start).Round(time.Millisecond), tail(res.stderr, 3000))
	if res.exit != c.exit {
		t.Fatalf("exit %d, want %d", res.exit, c.exit)
	}
	if id := strings.TrimSuffix(res.stdout, "\n"); !world.IsImageID(id) || res.stdout != id+"\n" {
		t.Errorf("stdout = %q, want only the rebuilt image ID", res.stdout)
	}
	for _, s := range c.want {
		if !strings.Contains(res.stderr, s) {
			t.Errorf("stderr does not say %q", s)
		}
	}
	if c.checkOut != nil {
		c.checkOut(t, w, p, res)
	}
}

func publishForVerify(ctx context.Context, t *testing.T, w *world.World, c verifyCase, date time.Time) world.Published {
	t.Helper()
	commit, err := w.CreateRepo(ctx, c.name, filepath.Join("testdata", c.fixture), nil, date)
	if err != nil {
		t.Fatal(err)
	}
	params := c.params
	if params == nil {
		params = world.Params{"DOCKERFILE": "Containerfile"}
	}
	b := world.Build{Name: c.name, Commit: commit, Params: params, Task: c.task, Buildah: c.buildah}
	if c.drift {
		if b.SBOMImages, err = w.DriftBase(ctx, "busybox:latest"); err != nil {
			t.Fatal(err)
		}
	}
	p, err := w.Publish(ctx, b)
	if err != nil {
		t.Fatalf("publishing %s: %v (log: %s)", c.name, err, w.LogPath)
	}
	return p
}

// saveImage copies the published image to dest (transport:path) and returns dest.
func saveImage(t *testing.T, w *world.World, p world.Published, dest string) string {
	t.Helper()
	if err := w.SaveImage(context.Background(), p.Ref, dest); err != nil {
		t.Fatal(err)
	}
	return dest
}

// writeECKey writes a new P-256 key pair as PEM: the private key unencrypted PKCS#8.
func writeECKey(t *testing.T, dir string) (key, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	key, pub = filepath.Join(dir, "vsa.key"), filepath.Join(dir, "vsa.pub")
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return key, pub
}

func checkReport(t *testing.T, path string, res rebuildResult, file string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Identical bool
		Rebuilt   struct{ ID string }
		Causes    []string
		Layers    []struct{ Files []struct{ Path string } }
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("decoding the report: %v", err)
	}
	if rep.Identical || rep.Rebuilt.ID != "sha256:"+strings.TrimSpace(res.stdout) {
		t.Errorf("report: identical %v, rebuilt %s; stdout %s", rep.Identical, rep.Rebuilt.ID, res.stdout)
	}
	if !strings.Contains(string(data), `"path": "`+file+`"`) {
		t.Errorf("report does not name %s:\n%s", file, data)
	}
}

// checkVSA verifies the envelope with the cosign CLI and checks its verification result.
func checkVSA(t *testing.T, w *world.World, p world.Published, pubKey, envelope, result string) {
	t.Helper()
	blob := filepath.Join(filepath.Dir(envelope), "manifest-"+p.Digest[7:19])
	if err := fetchManifest(w, p, blob); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(w.Tools.Cosign, "verify-blob-attestation", "--key", pubKey, "--insecure-ignore-tlog",
		"--type", "https://slsa.dev/verification_summary/v1", "--signature", envelope, blob)
	cmd.Env = w.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("cosign verify-blob-attestation: %v\n%s", err, out)
	}
	data, err := os.ReadFile(envelope)
	if err != nil {
		t.Fatal(err)
	}
	var env struct{ Payload []byte }
	var stmt struct {
		Predicate struct {
			VerificationResult string
			ResourceURI        string
			InputAttestations  []struct{ Digest map[string]string }
		}
	}
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(env.Payload, &stmt); err != nil {
		t.Fatal(err)
	}
	pr := stmt.Predicate
	if pr.VerificationResult != result || pr.ResourceURI != "oci://"+p.Ref || len(pr.InputAttestations) != 1 {
		t.Errorf("VSA predicate %+v, want %s for %s with one input attestation", pr, result, p.Ref)
	}
}

// fetchManifest writes the published manifest, the blob the VSA's subject digest names.
func fetchManifest(w *world.World, p world.Published, dest string) error {
	repo, digest, _ := strings.Cut(strings.TrimPrefix(p.Ref, w.Registry+"/"), "@")
	req, err := http.NewRequest("GET", fmt.Sprintf("http://%s/v2/%s/manifests/%s", w.Registry, repo, digest), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetching the manifest of %s: %w", p.Ref, err)
	}
	defer resp.Body.Close()
	f, err := os.Create(dest)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.ReadFrom(resp.Body)
	return err
}

// manifestType is the media type the registry serves the manifest at ref with.
func manifestType(w *world.World, ref string) (string, error) {
	repo, digest, _ := strings.Cut(strings.TrimPrefix(ref, w.Registry+"/"), "@")
	req, err := http.NewRequest("HEAD", fmt.Sprintf("http://%s/v2/%s/manifests/%s", w.Registry, repo, digest), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Header.Get("Content-Type"), nil
}
