package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func TestRunBadInput(t *testing.T) {
	statement, err := os.ReadFile("../../pkg/provenance/testdata/statement-v02.json")
	if err != nil {
		t.Fatal(err)
	}
	// Port 1 on loopback: refused at once, and no traffic leaves the machine.
	local := strings.ReplaceAll(string(statement), "https://git.example/org/app", "http://127.0.0.1:1/org/app")
	prefetch := strings.Replace(string(statement), `"PREFETCH_INPUT": ""`, `"PREFETCH_INPUT": "gomod"`, 1)
	tests := []failCase{
		{name: "empty stdin", stdin: "", code: exitBadInput, stderr: "rebuild: error: "},
		{name: "not JSON", stdin: "hello\n", code: exitBadInput, stderr: "line 1"},
		{name: "unknown flag", args: []string{"--nope"}, code: exitBadInput, stderr: "rebuild: error: usage: unknown flag: --nope"},
		{name: "argument", args: []string{"attestation.json"}, code: exitBadInput, stderr: "read from stdin"},
		{name: "prefetched build", stdin: prefetch, code: exitBadInput, stderr: "PREFETCH_INPUT"},
		{name: "unreachable git", stdin: local, args: []string{"-q"}, code: exitUnavailable, stderr: "cloning http://127.0.0.1:1/org/app"},
		{name: "help", args: []string{"--help"}, code: exitDone, stderr: "Exit codes"},
	}
	runFailCases(t, tests)
}

// failCase is a command line and stdin that must end with code, nothing on stdout, and
// stderr holding want (and, unless code is 0, exactly one error line).
type failCase struct {
	name, stdin string
	args        []string
	code        int
	stderr      string
}

func runFailCases(t *testing.T, tests []failCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.stderr)
			}
			if tt.code != exitDone && strings.Count(stderr.String(), "error:") != 1 {
				t.Errorf("want exactly one error line, got:\n%s", stderr.String())
			}
		})
	}
}

// TestCommandLine: --help lists the commands, `rebuild completion bash` writes a completion
// script on stdout, and a command's bad usage names the command.
func TestCommandLine(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, strings.NewReader(""), &stdout, &stderr); code != exitDone || stdout.Len() != 0 {
		t.Fatalf("--help: exit %d, stdout %q", code, stdout.String())
	}
	for _, want := range []string{"verify", "plan", "kit", "version", "completion", "--log-level", "Exit codes"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stderr.String())
		}
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"completion", "bash"}, strings.NewReader(""), &stdout, &stderr); code != exitDone || !strings.Contains(stdout.String(), "__start_rebuild") {
		t.Errorf("completion bash: exit %d, stdout %.200q, stderr %q", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := run(context.Background(), []string{"plan", "--nope"}, strings.NewReader(""), &stdout, &stderr); code != exitBadInput || stderr.String() != "rebuild plan: error: usage: unknown flag: --nope\n" {
		t.Errorf("plan --nope: exit %d, stderr %q", code, stderr.String())
	}
}
