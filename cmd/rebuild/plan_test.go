package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/plan"
)

func TestPlanCommand(t *testing.T) {
	fixture := func(name string) string {
		data, err := os.ReadFile("../../pkg/plan/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	statement, err := os.ReadFile("../../pkg/provenance/testdata/statement-v02.json")
	if err != nil {
		t.Fatal(err)
	}
	// Port 1 on loopback: refused at once, and no traffic leaves the machine.
	local := strings.ReplaceAll(string(statement), "https://git.example/org/app", "http://127.0.0.1:1/org/app")
	local = strings.ReplaceAll(local, "registry.example", "127.0.0.1:1")
	tests := []struct {
		name, stdin string
		args        []string
		code        int
		stderr      string // a line stderr must hold
		plan        bool   // stdout holds a plan
	}{
		{name: "0.8 offline", stdin: fixture("buildah-oci-ta-0.8.json"), args: []string{"--offline"}, code: 0, stderr: "expect identical (exit 0)", plan: true},
		{name: "0.7 offline", stdin: fixture("buildah-oci-ta-0.7.json"), args: []string{"--offline"}, code: 1, stderr: "warning PLAN101: REWRITE_TIMESTAMP", plan: true},
		{name: "0.2 offline", stdin: fixture("buildah-oci-ta-0.2.json"), args: []string{"--offline"}, code: 1, stderr: "warning PLAN107: STORAGE_DRIVER vfs", plan: true},
		{name: "0.1 offline", stdin: fixture("buildah-oci-ta-0.1.json"), args: []string{"--offline"}, code: 1, stderr: "warning PLAN108: the task's inject-sbom-and-push step committed the SBOM as a layer after the build: never identical", plan: true},
		{name: "unreachable", stdin: local, code: 2, stderr: "error PLAN010: fetching", plan: true},
		{name: "not JSON", stdin: "hello\n", args: []string{"--offline"}, code: 2, stderr: "rebuild plan: error: line 1"},
		{name: "argument", args: []string{"attestation.json"}, code: 2, stderr: "read from stdin"},
		{name: "help", args: []string{"--help"}, code: 0, stderr: "Exit codes: 0 can rebuild"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"plan"}, tt.args...), strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr.String())
			}
			if !tt.plan {
				if stdout.Len() != 0 {
					t.Errorf("stdout %q, want nothing", stdout.String())
				}
				return
			}
			var p plan.Plan
			if err := json.Unmarshal(stdout.Bytes(), &p); err != nil {
				t.Fatalf("stdout is no plan: %v\n%s", err, stdout.String())
			}
			if p.Schema != plan.Schema || p.Exit != code {
				t.Errorf("plan schema %q exit %d, want %q and %d", p.Schema, p.Exit, plan.Schema, code)
			}
			if n := strings.Count(stderr.String(), "\n"); n != len(p.Findings)+1 {
				t.Errorf("stderr has %d lines for %d findings:\n%s", n, len(p.Findings), stderr.String())
			}
		})
	}
}
