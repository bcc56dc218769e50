// Command testsigner plays Fulcio, Rekor and a timestamp authority for tests (package
// virtual): it writes the trusted root of a fresh virtual sigstore and signs each statement
// file keyless as IDENTITY issued by ISSUER, writing a sigstore bundle (v0.3, DSSE) and
// beside it, in BUNDLE.legacy.json, the same signature as cosign's legacy .att layer writes
// it: {"envelope": ..., "annotations": ...} (virtual.Legacy).
//
//	testsigner --trusted-root OUT.json --identity ID --issuer URL STATEMENT=BUNDLE...
//
// Its certificates carry no CT log timestamp: verify them with --insecure-ignore-sct. It is
// built by the tests only; it does not ship.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/rebuild-project/rebuild/keyless/internal/virtual"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "testsigner:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("testsigner", flag.ContinueOnError)
	rootOut := fs.String("trusted-root", "", "where to write the trusted root")
	identity := fs.String("identity", "", "the certificate's identity (an email address)")
	issuer := fs.String("issuer", "", "the certificate's OIDC issuer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *rootOut == "" || *identity == "" || *issuer == "" {
		return fmt.Errorf("--trusted-root, --identity and --issuer are required")
	}
	s, err := virtual.New()
	if err != nil {
		return err
	}
	rootJSON, err := s.TrustedRoot()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*rootOut, rootJSON, 0o644); err != nil {
		return err
	}
	for _, arg := range fs.Args() {
		in, out, ok := strings.Cut(arg, "=")
		if !ok {
			return fmt.Errorf("%q is not STATEMENT=BUNDLE", arg)
		}
		statement, err := os.ReadFile(in)
		if err != nil {
			return err
		}
		b, err := s.Attest(*identity, *issuer, statement)
		if err != nil {
			return fmt.Errorf("signing %s: %w", in, err)
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return err
		}
		var st struct {
			PredicateType string `json:"predicateType"`
		}
		if err := json.Unmarshal(statement, &st); err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		legacy, err := s.Legacy(b, st.PredicateType)
		if err != nil {
			return err
		}
		l, err := json.Marshal(legacy)
		if err != nil {
			return err
		}
		if err := os.WriteFile(out+".legacy.json", l, 0o644); err != nil {
			return err
		}
	}
	return nil
}
