package main

import (
	"errors"
	"github.com/spf13/pflag"
	"io"
	"testing"

	"go.podman.io/image/v5/transports"
)

func TestPublishedRef(t *testing.T) {
	for _, tc := range []struct {
		flag, want string
		bad        bool
	}{
		{"docker://quay.example/org/app@sha256:" + repeat("b", 64), "docker://quay.example/org/app@sha256:" + repeat("b", 64), false},
		{"oci:/srv/layout:app", "oci:/srv/layout:app", false},
		{"oci-archive:/srv/app.tar", "oci-archive:/srv/app.tar:", false},
		{"docker-archive:/srv/app.tar", "docker-archive:/srv/app.tar", false},
		{"/srv/app.tar", "", true},
		{"containers-storage:app", "", true},
		{"docker://UPPER/case", "", true},
	} {
		ref, err := publishedRef(tc.flag)
		switch {
		case tc.bad:
			if !errors.Is(err, errUsage) {
				t.Errorf("publishedRef(%q) = %v, want a usage error", tc.flag, err)
			}
		case err != nil:
			t.Errorf("publishedRef(%q): %v", tc.flag, err)
		case transports.ImageName(ref) != tc.want:
			t.Errorf("publishedRef(%q) = %s, want %s", tc.flag, transports.ImageName(ref), tc.want)
		}
	}
}

func TestVerifyFlagsImplyVerify(t *testing.T) {
	for _, args := range [][]string{{"--verify"}, {"--published", "oci:/x"}, {"--report", "r.json"}, {"--diff-dir", "d"}, {"--attest", "k.pem"}} {
		cfg, err := parseFlags(args)
		if err != nil || !cfg.verify {
			t.Errorf("parseFlags(%q): verify %v, err %v", args, cfg.verify, err)
		}
	}
	if cfg, err := parseFlags(nil); err != nil || cfg.verify {
		t.Errorf("parseFlags(): verify %v, err %v", cfg.verify, err)
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

// parseFlags parses rebuild's flags as the root command does.
func parseFlags(args []string) (config, error) {
	var c config
	fs := pflag.NewFlagSet("rebuild", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	rebuildFlags(fs, &c)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.finish(fs)
}
