package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rebuild-project/rebuild/pkg/plan"
	"github.com/rebuild-project/rebuild/pkg/provenance"
)

// TestPlanAndRebuildAgree runs `rebuild plan --offline` and `rebuild` on every provenance
// fixture of the repository, and on variants that once split them, with the git URL pointed
// at a local path that does not exist: a plan that says the provenance cannot be rebuilt must
// match a rebuild refused as bad input (exit 2), and a plan that says it can, a rebuild that
// took every decision and stopped at the clone (exit 3).
func TestPlanAndRebuildAgree(t *testing.T) {
	t.Setenv("TMPDIR", tempDir)
	files, err := filepath.Glob("../../pkg/plan/testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../pkg/provenance/testdata/statement-*.json")
	files = append(files, more...)
	cases := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cases[filepath.Base(filepath.Dir(filepath.Dir(f)))+"/"+filepath.Base(f)] = statementOf(t, data)
	}
	v08 := cases["plan/buildah-oci-ta-0.8.json"]
	for _, s := range []string{`"release=1"`, `"CONTEXT": ".",`} {
		if !strings.Contains(v08, s) {
			t.Fatalf("plan/buildah-oci-ta-0.8.json has no %s", s)
		}
	}
	cases["0.8 with a label that is a flag"] = strings.Replace(v08, `"release=1"`, `"--squash=true"`, 1)
	cases["0.8 with a context out of the checkout"] = strings.Replace(v08, `"CONTEXT": ".",`, `"CONTEXT": "../..",`, 1)
	cases["0.8 with an ssh git URL"] = strings.ReplaceAll(v08, "https://github.com/example-org/app", "ssh://git@git.example/org/app")

	outcomes := map[int]int{}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			data = atMissingRepo(data)
			var out, planErr, rebuildErr bytes.Buffer
			planExit := run(context.Background(), []string{"plan", "--offline", "--allow-local-git"}, strings.NewReader(data), &out, &planErr)
			rebuildExit := run(context.Background(), []string{"--allow-local-git", "-q", "--workdir", t.TempDir()}, strings.NewReader(data), &out, &rebuildErr)
			outcomes[planExit]++
			want := exitUnavailable // every decision taken, stopped at the clone
			if planExit == plan.ExitCannot {
				want = exitBadInput
			}
			if rebuildExit != want {
				t.Errorf("rebuild plan exited %d and rebuild %d, want %d\nplan:\n%s\nrebuild:\n%s", planExit, rebuildExit, want, planErr.String(), rebuildErr.String())
			}
		})
	}
	if outcomes[plan.ExitCannot] == 0 || outcomes[plan.ExitIdentical]+outcomes[plan.ExitDifferent] == 0 {
		t.Errorf("plan outcomes %v: want both refused and accepted fixtures", outcomes)
	}
}

// statementOf returns the statement an envelope carries, or data when it is not one.
func statementOf(t *testing.T, data []byte) string {
	var env struct{ Payload []byte }
	if err := json.Unmarshal(data, &env); err != nil || len(env.Payload) == 0 {
		return string(data)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, env.Payload, "", "  "); err != nil {
		t.Fatal(err)
	}
	return pretty.String()
}

// atMissingRepo points the provenance's git URL at missingRepo, which fails at once.
func atMissingRepo(data string) string {
	l, err := provenance.ReadLenient(strings.NewReader(data))
	if err != nil || l.Recipe.Source.URL == "" || !strings.HasPrefix(l.Recipe.Source.URL, "https://") {
		return data
	}
	return strings.ReplaceAll(data, l.Recipe.Source.URL, missingRepo)
}
