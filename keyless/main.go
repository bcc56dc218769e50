// Command rebuild-keyless verifies sigstore bundles keyless, offline, with sigstore-go: each
// bundle's Fulcio certificate must chain to a certificate authority of the trusted root
// file, name the expected identity and OIDC issuer, and be logged in a transparency log of
// that root (its signed entry timestamp, or inclusion proof) while it was valid. It is a
// module and binary of its own because sigstore-go needs newer versions of modules the
// buildah library rebuild links (and so the released buildah) than buildah does.
//
//	rebuild-keyless verify --trusted-root FILE (--certificate-identity ID | --certificate-identity-regexp RE)
//	    (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE) [--insecure-ignore-sct]
//	    [--artifact-digest sha256:HEX] < bundles
//	rebuild-keyless version
//
// verify reads one bundle (JSON) a line and writes one result a line, in order: {"identity":
// ..., "issuer": ...} when it verified, {"error": ...} when not. It exits 0 when it could
// judge every line, 2 on a bad command line or trusted root.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

const module = "github.com/sigstore/sigstore-go"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(_ context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && args[0] == "version" {
		fmt.Fprintln(stdout, sigstoreVersion())
		return 0
	}
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: rebuild-keyless verify --trusted-root FILE --certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y < bundles | rebuild-keyless version")
		return 2
	}
	p, err := parsePolicy(args[1:])
	if err != nil {
		fmt.Fprintln(stderr, "rebuild-keyless:", err)
		return 2
	}
	v, err := p.verifier()
	if err != nil {
		fmt.Fprintln(stderr, "rebuild-keyless:", err)
		return 2
	}
	if err := verifyLines(v, stdin, stdout); err != nil {
		fmt.Fprintln(stderr, "rebuild-keyless:", err)
		return 2
	}
	return 0
}

// sigstoreVersion is the sigstore-go version this binary links.
func sigstoreVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == module {
				return "sigstore-go " + d.Version
			}
		}
	}
	return "sigstore-go (unknown version)"
}
