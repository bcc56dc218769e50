package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"

	"github.com/rebuild-project/rebuild/pkg/build"
	"github.com/rebuild-project/rebuild/pkg/keyless"
	"github.com/rebuild-project/rebuild/pkg/kit"
	"github.com/rebuild-project/rebuild/pkg/provenance"
	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

// config is the command line.
type config struct {
	storage       string
	runRoot       string
	storageDriver string
	policy        string
	workDir       string
	quiet         bool
	key           string         // PEM public key file the envelopes must be signed with
	keyless       keyless.Policy // or the certificate they must be signed keyless with
	allowLocalGit bool           // allow a git URL that is a local path or file://
	verify        bool           // compare the rebuild with the published image
	published     string         // where to read the published image (transport:reference)
	report        string         // file for the JSON report
	diffDir       string         // folder for the differing files
	attest        string         // private key file to sign a verification summary with
	attestOut     string         // where the signed verification summary goes
	kit           string         // a rebuild kit folder: source, SBOM and images from it alone
	source        string         // a local clone, bare repository or git bundle of the source
	images        string         // an OCI layout holding the pinned images
	sbomFile      string         // a local copy of the SBOM (set by --kit)
	engines       string         // the folder of engine binaries, one per buildah version
	noStepImage   bool           // refuse a buildah version no engine has instead of running the step image
	accept        string         // a difference --verify passes: "timestamps"
	kitBuildah    string         // the buildah version the --kit listing names
	expect        rebuild.Expect
	provenance    int    // which pipeline run's provenance to rebuild from (0: the newest)
	platform      string // which build of a multi-platform pipeline to rebuild ("": this host's)
	attach        bool   // push the signed summary to the image's registry
	logLevel      string // error, warn, info or debug: ours and buildah's
}

const rootLong = `Rebuilds a Konflux-built container image from its signed SLSA provenance (the output of
cosign verify-attestation, one DSSE envelope per line, on stdin) and prints the image ID, as
podman pull prints it, on stdout. Progress goes to stderr.

Exit codes: 0 done (identical with --verify), 1 not identical (--verify), 2 bad input, 3 inputs
unavailable (git, registry, SBOM), 4 build failed or interrupted, 5 equivalent (--verify:
identical once the published image's time values are carried over; 0 with --accept timestamps).`

// rebuildFlags defines rebuild's flags on fs, into c.
func rebuildFlags(fs *pflag.FlagSet, c *config) {
	fs.StringVar(&c.storage, "storage", "/var/lib/containers/storage", "container storage graph root `dir`")
	fs.StringVar(&c.runRoot, "runroot", "", "container storage run root `dir` (default: the system's, or <storage>/.runroot with --storage)")
	fs.StringVar(&c.storageDriver, "storage-driver", "", "storage `driver` (default: storage.conf's, else overlay)")
	fs.StringVar(&c.policy, "policy", "", "signature policy `file` for pulls (default: /etc/containers/policy.json)")
	fs.StringVar(&c.workDir, "workdir", "", "`dir` for the checkout and temporary files (default: $TMPDIR)")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "print no progress, only warnings and errors (--log-level warn)")
	fs.StringVar(&c.logLevel, "log-level", "info", "what goes to stderr, ours and buildah's: `level` error (the error line alone), warn (and warnings), info (and progress), debug (and buildah's debug lines)")
	fs.StringVar(&c.key, "key", "", "PEM public key `file` (ECDSA, RSA or Ed25519, as cosign writes it): only envelopes signed with it are read")
	keylessFlags(fs, &c.keyless)
	fs.BoolVar(&c.allowLocalGit, "allow-local-git", false, "allow a git URL that is a local path or file:// (default: only https, http and git)")
	fs.BoolVar(&c.verify, "verify", false, "compare the rebuild with the published image: exit 0 when identical, 1 when not, with an explanation on stderr")
	fs.StringVar(&c.published, "published", "", "where to read the published image: `REF` as oci:DIR[:REF], oci-archive:FILE, docker-archive:FILE or docker://NAME (default: docker://<subject>@<digest>; implies --verify)")
	fs.StringVar(&c.report, "report", "", "write the comparison as JSON to `file` (implies --verify)")
	fs.StringVar(&c.diffDir, "diff-dir", "", "extract the differing files of both sides into `dir`/published and dir/rebuilt (implies --verify)")
	fs.StringVar(&c.attest, "attest", "", "sign the outcome as an SLSA verification summary (a DSSE envelope) with the EC private key `file`: PKCS#8, SEC 1, or cosign's encrypted one, opened with COSIGN_PASSWORD (implies --verify)")
	fs.StringVar(&c.attestOut, "attest-out", "rebuild.vsa.json", "`file` the signed verification summary of --attest is written to")
	fs.StringVar(&c.kit, "kit", "", "rebuild from the kit in `dir` (made by rebuild kit) alone, with no network: each item is checked against the provenance and the SBOM")
	fs.StringVar(&c.source, "source", "", "check the pinned commit out of the local clone, bare repository or git bundle at `path` instead of its URL")
	fs.StringVar(&c.images, "images", "", "read the pinned images by digest from the OCI layout in `dir` instead of their registries")
	engineFlag(fs, &c.engines)
	expectFlags(fs, &c.expect)
	fs.BoolVar(&c.attach, "attach", false, "with --attest, push the signed summary to the image's registry as cosign attests (cosign verify-attestation --type https://slsa.dev/verification_summary/v1 finds it)")
	fs.IntVar(&c.provenance, "provenance", 0, "when several pipeline runs attest the image, rebuild from the `N`th, oldest first (default: the newest)")
	fs.StringVar(&c.platform, "platform", "", "rebuild the build of `os/arch` of a multi-platform pipeline, or of every platform with all (stdout: \"ID os/arch\" a line) (default: the image rebuild verify was given, else this host's, the one podman pull picks); another architecture's RUN steps need qemu-user-static in binfmt_misc")
	fs.StringVar(&c.accept, "accept", "", "with --verify, pass (exit 0) an image the published one is `timestamps` away from: identical once its time values are carried over")
	fs.BoolVar(&c.noStepImage, "no-step-image", false, "refuse (exit 2) an image built by a buildah no engine has, instead of building with the buildah of the build step's own image, pulled by digest")
}

// finish checks what fs parsed into c and fills in what the flags imply.
func (c *config) finish(fs *pflag.FlagSet) error {
	if err := c.useKit(); err != nil {
		return err
	}
	if c.accept != "" && c.accept != "timestamps" {
		return fmt.Errorf("%w: --accept %q: the one difference it accepts is timestamps", errUsage, c.accept)
	}
	if !slices.Contains([]string{"error", "warn", "info", "debug"}, c.logLevel) {
		return fmt.Errorf("%w: --log-level %q: want error, warn, info or debug", errUsage, c.logLevel)
	}
	if c.attach && c.attest == "" {
		return fmt.Errorf("%w: --attach pushes the summary --attest signs: give --attest", errUsage)
	}
	c.verify = c.verify || c.published != "" || c.report != "" || c.diffDir != "" || c.attest != "" || c.accept != ""
	if fs.Changed("storage") && c.runRoot == "" {
		c.runRoot = filepath.Join(c.storage, ".runroot")
	}
	return nil
}

// useKit points --source, --images and the SBOM at the items of the --kit folder.
func (c *config) useKit() error {
	if c.kit == "" {
		return nil
	}
	if c.source != "" || c.images != "" {
		return fmt.Errorf("%w: --kit brings the source and the images: drop --source and --images", errUsage)
	}
	c.source = filepath.Join(c.kit, kit.SourceFile)
	c.images = filepath.Join(c.kit, kit.ImagesDir)
	c.sbomFile = filepath.Join(c.kit, kit.SBOMFile)
	if m, err := kit.ReadManifest(c.kit); err == nil {
		c.kitBuildah = m.Buildah // a hint: the listing is not trusted, and need not be there
	}
	return nil
}

// library is the rebuild library's configuration for these flags, with --key read.
func (c config) library(log *rebuild.Log) (rebuild.Config, error) {
	rc := rebuild.Config{
		AllowLocalGit: c.allowLocalGit, Source: c.source, Images: c.images, SBOMFile: c.sbomFile,
		Storage: c.storage, RunRoot: c.runRoot, StorageDriver: c.storageDriver,
		PolicyPath: c.policy, WorkDir: c.workDir, Log: log, NoStepImage: c.noStepImage, KitBuildah: c.kitBuildah,
		Expect: c.expect, Provenance: c.provenance, Platform: c.platform,
	}
	if c.platform == allPlatforms {
		rc.Platform = "" // rebuildEveryPlatform picks each
	}
	var err error
	if rc.Engines, err = build.Engines(c.engines); err != nil {
		return rc, err
	}
	rc.Verifier, err = c.signatureVerifier()
	return rc, err
}

// signatureVerifier is what verifies the envelopes: the --key, the keyless policy, or nil.
func (c config) signatureVerifier() (provenance.Verifier, error) {
	if c.keyless != (keyless.Policy{}) {
		if c.key != "" {
			return nil, fmt.Errorf("%w: --key and keyless verification (--certificate-identity, --trusted-root, ...) exclude each other", errUsage)
		}
		if err := c.keyless.Check(); err != nil {
			return nil, fmt.Errorf("%w: %w", errUsage, err)
		}
		if _, err := os.Stat(c.keyless.TrustedRoot); err != nil {
			return nil, fmt.Errorf("%w: --trusted-root: %w", errUsage, err)
		}
		helper, err := keyless.HelperIn(c.engines)
		if err != nil {
			return nil, err
		}
		return keyless.Verifier{Helper: helper, Policy: c.keyless, ArtifactDigest: c.expect.Image.Digest}, nil
	}
	if c.key == "" {
		return nil, nil
	}
	data, err := os.ReadFile(c.key)
	if err != nil {
		return nil, fmt.Errorf("%w: reading --key: %w", errUsage, err)
	}
	key, err := provenance.LoadPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w: --key %s: %w", errUsage, c.key, err)
	}
	return provenance.KeyVerifier{Key: key, Name: c.key}, nil
}

// signed: the envelopes are read only when their signatures verify.
func (c config) signed() bool { return c.key != "" || c.keyless != (keyless.Policy{}) }

// keylessFlags adds cosign's flags for keyless verification, offline.
func keylessFlags(fs *pflag.FlagSet, p *keyless.Policy) {
	fs.StringVar(&p.Identity, "certificate-identity", "", "keyless: the signing certificate's `identity` (subject alternative name) must be this")
	fs.StringVar(&p.IdentityRegexp, "certificate-identity-regexp", "", "keyless: the signing certificate's identity must match this `regexp`")
	fs.StringVar(&p.Issuer, "certificate-oidc-issuer", "", "keyless: the signing certificate's OIDC issuer must be this `URL`")
	fs.StringVar(&p.IssuerRegexp, "certificate-oidc-issuer-regexp", "", "keyless: the signing certificate's OIDC issuer must match this `regexp`")
	fs.StringVar(&p.TrustedRoot, "trusted-root", "", "keyless: the Fulcio CAs, Rekor and CT logs to trust, a trusted_root.json `file` (checked offline; needs the envelopes' sigstore bundles)")
	fs.BoolVar(&p.IgnoreSCT, "insecure-ignore-sct", false, "keyless: accept a certificate with no certificate transparency timestamp")
}

// defaultEngines is where the builder image keeps the engine binaries.
const defaultEngines = "/usr/local/libexec/rebuild"

// engineFlag adds --engines, whose default is $REBUILD_ENGINES, else defaultEngines.
func engineFlag(fs *pflag.FlagSet, dst *string) {
	def := defaultEngines
	if v, ok := os.LookupEnv("REBUILD_ENGINES"); ok {
		def = v
	}
	fs.StringVar(dst, "engines", def, "`dir` of the build engines, buildah-<version> (rebuild version lists them)")
}

// expectFlags adds the flags that say what the provenance must record.
func expectFlags(fs *pflag.FlagSet, e *rebuild.Expect) {
	fs.StringVar(&e.SourceURI, "source-uri", "", "refuse (exit 2) unless the source is the git repository `URI` (exact, or a glob; scheme and .git optional)")
	fs.StringVar(&e.SourceRef, "source-ref", "", "refuse (exit 2) unless the pipeline ran for a push to `branch` (\"main\", \"refs/heads/main\" or a glob)")
	fs.StringVar(&e.BuilderID, "builder-id", "", "refuse (exit 2) unless the provenance's builder id is `ID`")
	fs.Func("trusted-task", "refuse (exit 2) unless the build task ran this bundle: `digest` or reference@digest (repeatable)", func(v string) error {
		if !strings.Contains(v, "sha256:") {
			return fmt.Errorf("%q names no sha256 digest", v)
		}
		e.TrustedTasks = append(e.TrustedTasks, v)
		return nil
	})
}

// log is where the command tells what it does, at the --log-level asked; it sets buildah's
// (logrus's) level too.
func (c config) log(w io.Writer) *rebuild.Log {
	level := cmp.Or(c.logLevel, "info") // "" for the kit command, which has no --log-level
	if c.quiet && level == "info" {
		level = "warn"
	}
	if l, err := logrus.ParseLevel(level); err == nil {
		logrus.SetLevel(l)
	}
	engines := level // the engines and step images keep their own default unless asked
	if level == "info" {
		engines = ""
	}
	return &rebuild.Log{W: w, Quiet: level == "warn" || level == "error", NoWarnings: level == "error", LogLevel: engines}
}
