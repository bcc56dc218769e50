package test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rebuild-project/rebuild/test/world"
)

// icmNoContentSets is the content-sets.json inject-icm-to-containerfile writes for a prefetch
// SBOM that names no RPM repository.
const icmNoContentSets = "{\n    \"metadata\": {\n\t\"icm_version\": 1,\n" +
	"\t\"icm_spec\": \"https://raw.githubusercontent.com/containerbuildsystem/atomic-reactor/master/atomic_reactor/schemas/content_manifest.json\",\n" +
	"\t\"image_layer_index\": 0\n    },\n    \"from_dnf_hint\": true,\n    \"content_sets\": []\n}\n\n"

// prefetchedFiles are the files of hermetic-generic's lock file, under deps/generic, and the
// file the world's file server has each from.
var prefetchedFiles = map[string]string{"tool.tar.gz": "tool.tar.gz", "greeting.txt": "greeting.txt", "docs/notes.txt": "notes.txt"}

// TestHermeticWorld checks the world's side of the hermetic-generic case, with no rebuild:
// the prefetch task's artifact, what the build made of it, and what the provenance records.
func TestHermeticWorld(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == "hermetic-generic" })
	pub := publish(ctx, t, w, cases[i], epoch.AddDate(0, 0, i)) // as TestRebuild publishes it
	checkPrefetchArtifact(ctx, t, w, pub, "")
	checkPrefetchPredicate(t, w, pub)

	want := hermeticGenericFiles(t)
	want["usr/share/buildinfo/content-sets.json"] = icmNoContentSets
	want["root/buildinfo/content_manifests/content-sets.json"] = icmNoContentSets
	wantHermeticImage(t, imageFiles(ctx, t, pub.Ref), want)
}

// hermeticGenericFiles are the files hermetic-generic's RUN and COPY steps make of the
// prefetched content.
func hermeticGenericFiles(t *testing.T) map[string]string {
	t.Helper()
	notes := strings.ReplaceAll("note: "+strings.TrimSuffix(fixtureFile(t, "notes.txt"), "\n"), "\n", "\nnote: ") + "\n"
	return map[string]string{
		"opt/tool/VERSION":    "tool 1.0\n",
		"opt/greeting.txt":    fixtureFile(t, "greeting.txt"),
		"opt/hello.out":       "hello from the prefetched tool\n",
		"opt/notes.txt":       notes,
		"opt/prefetched.list": "./docs/notes.txt\n./greeting.txt\n./tool.tar.gz\n",
		"etc/app.conf":        "greeting=/opt/greeting.txt\n",
	}
}

// wantHermeticImage checks the files of a hermetic build's image: want among them, and nothing
// under /cachi2, which is a volume, not image content.
func wantHermeticImage(t *testing.T, files, want map[string]string) {
	t.Helper()
	wantImageFiles(t, files, want)
	for path := range files {
		if strings.HasPrefix(path, "cachi2/") {
			t.Errorf("world: the image holds /%s: the prefetched content is a volume, not image content", path)
		}
	}
}

// TestHermeticPipWorld checks what the hermetic-pip case's build made of the prefetched pip
// distribution and of cachi2.env, which the task's sed makes every RUN source.
func TestHermeticPipWorld(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == "hermetic-pip" })
	pub := publish(ctx, t, w, cases[i], epoch.AddDate(0, 0, i)) // as TestRebuild publishes it
	files := imageFiles(ctx, t, pub.Ref)
	wantImageFiles(t, files, map[string]string{
		"opt/pip.env":      "PIP_FIND_LINKS=/cachi2/output/deps/pip\nPIP_NO_INDEX=true\n",
		"opt/pip.list":     "tool-d4141a05712150f8a3ea822517665c31719b678ae9ecc5366a47127262e800de.tar.gz\n",
		"opt/tool/VERSION": "tool 1.0\n",
	})
}

// TestHermeticRPMWorld checks what the hermetic-rpm case's build saw: the prefetched
// repository file over /etc/yum.repos.d, the RPMs of this architecture alone, and the
// content-sets.json jq wrote for the SBOM's repository_id.
func TestHermeticRPMWorld(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == "hermetic-rpm" })
	pub := publish(ctx, t, w, cases[i], epoch.AddDate(0, 0, i)) // as TestRebuild publishes it
	files := imageFiles(ctx, t, pub.Ref)
	sets := "{\n  \"metadata\": {\n    \"icm_version\": 1,\n    \"icm_spec\": \"https://raw.githubusercontent.com/containerbuildsystem/atomic-reactor/master/atomic_reactor/schemas/content_manifest.json\",\n" +
		"    \"image_layer_index\": 0\n  },\n  \"from_dnf_hint\": true,\n  \"content_sets\": [\n    \"rebuild-e2e-baseos\"\n  ]\n}\n"
	wantImageFiles(t, files, map[string]string{
		"opt/yum.repos":                         "[rebuild-e2e-baseos]\nbaseurl = file:///cachi2/output/deps/rpm/x86_64/rebuild-e2e-baseos\ngpgcheck = 1\n\n",
		"opt/rpms.list":                         "./x86_64/rebuild-e2e-baseos/hello-1.0-1.x86_64.rpm\n./x86_64/rebuild-e2e-baseos/repodata/repomd.xml\n./x86_64/repos.d/cachi2.repo\n",
		"usr/share/buildinfo/content-sets.json": sets,
	})
}

// TestHermeticTampered publishes hermetic-generic from a prefetch artifact whose greeting.txt
// is not what the commit's lock file says, and expects the rebuild to refuse it, naming the file.
func TestHermeticTampered(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := e2eCase{
		name: "hermetic-tampered", testdata: "hermetic-generic", tamperPrefetch: "greeting.txt",
		params: world.Params{"DOCKERFILE": "Containerfile", "PREFETCH_INPUT": `{"type":"generic","path":"."}`, "HERMETIC": "true"},
	}
	pub := publish(ctx, t, w, c, epoch.AddDate(0, 5, 0))
	checkPrefetchArtifact(ctx, t, w, pub, "greeting.txt")
	if got := imageFiles(ctx, t, pub.Ref)["opt/greeting.txt"]; got == fixtureFile(t, "greeting.txt") {
		t.Errorf("world: the image's /opt/greeting.txt is the locked file's: the build did not use the tampered artifact")
	}
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet: published and checked the world only")
	}
	res, err := runRebuild(ctx, w, pub.Attestation)
	if err != nil {
		t.Fatal(err)
	}
	defer res.store.Remove()
	if want := "deps/generic/greeting.txt"; res.exit != 2 || !strings.Contains(res.stderr, want) {
		t.Errorf("rebuild of a build from a tampered prefetch exited %d, want 2 with %q:\n%s", res.exit, want, tail(res.stderr, 4000))
	}
}

// TestHermeticArtifactGone publishes hermetic-generic and hermetic-pip, then deletes their CACHI2_ARTIFACT blob
// from the registry (prefetch artifacts expire): the rebuild fetches each file of the lock
// file from its URL, checks it, and still gets the published image.
func TestHermeticArtifactGone(t *testing.T) {
	w := requireWorld(t)
	if rebuildBin == "" {
		t.Skip("cmd/rebuild does not exist yet")
	}
	for i, name := range []string{"hermetic-generic", "hermetic-pip"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			c := caseNamed(t, name)
			c.name, c.testdata = name+"-gone", name
			pub := publish(ctx, t, w, c, epoch.AddDate(0, 6, i))
			repo, blob, _ := strings.Cut(strings.TrimPrefix(pub.Prefetch.Artifact, "oci:"), "@")
			req, err := http.NewRequestWithContext(ctx, http.MethodDelete, "http://"+w.Registry+"/v2/"+strings.TrimPrefix(repo, w.Registry+"/")+"/blobs/"+blob, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("world: deleting the prefetch blob: %s", resp.Status)
			}
			res, err := runRebuild(ctx, w, pub.Attestation)
			if err != nil {
				t.Fatal(err)
			}
			defer res.store.Remove()
			if want := "fetching each file its lock file names from its URL instead"; res.exit != 0 || !strings.Contains(res.stderr, want) {
				t.Fatalf("rebuild exited %d, want 0 having said %q:\n%s", res.exit, want, tail(res.stderr, 4000))
			}
			if id := strings.TrimSpace(res.stdout); id != pub.ImageID {
				t.Errorf("rebuild printed %s, podman pull printed %s", id, pub.ImageID)
			}
		})
	}
}

// TestHermeticNetworkWorld checks what the hermetic-network case's RUN step saw in the
// world's build: the loopback interface alone, up. The rebuild, identical to it in
// TestRebuild/hermetic-network, saw the same; this host's network has more interfaces.
func TestHermeticNetworkWorld(t *testing.T) {
	w := requireWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	i := slices.IndexFunc(cases, func(c e2eCase) bool { return c.name == "hermetic-network" })
	pub := publish(ctx, t, w, cases[i], epoch.AddDate(0, 0, i)) // as TestRebuild publishes it
	wantNetworkSeen(t, pub, "up")
}

// wantNetworkSeen checks the files hermetic-network's RUN step wrote in the published image:
// the network interfaces it saw (lo alone) and whether loopback was up.
func wantNetworkSeen(t *testing.T, pub world.Published, loopback string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wantImageFiles(t, imageFiles(ctx, t, pub.Ref), map[string]string{"net-interfaces": "lo\n", "net-loopback": loopback + "\n"})
}
