package depcheck_test

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/rebuild-project/rebuild/"

// allowed is the dependency direction (README, "Layout"): the project packages each package
// may import. Tests may import more.
var allowed = map[string][]string{
	"pkg/provenance":                    {},
	"pkg/konflux":                       {"pkg/provenance"},
	"pkg/inputs":                        {"pkg/provenance"},
	"pkg/build":                         {},
	"pkg/compare":                       {"pkg/konflux"},
	"pkg/compare/internal/benchcompare": {"pkg/compare"},
	"pkg/plan":                          {"pkg/provenance", "pkg/konflux", "pkg/inputs"},
	"pkg/kit":                           {"pkg/inputs"},
	"pkg/vsa":                           {"pkg/provenance", "pkg/compare"},
	"pkg/keyless":                       {"pkg/provenance"},
	"pkg/rebuild":                       {"pkg/provenance", "pkg/konflux", "pkg/inputs", "pkg/build", "pkg/compare"},
	"cmd/rebuild":                       {"pkg/provenance", "pkg/konflux", "pkg/inputs", "pkg/build", "pkg/compare", "pkg/plan", "pkg/kit", "pkg/vsa", "pkg/keyless", "pkg/rebuild"},
	"docs":                              {},
	"test":                              {},
	"test/world":                        {},
	"test/world/writefile":              {}, // cross-compiled for the arm64 base of the emulation test
}

// buildahFree are the packages that must not link the buildah library, even indirectly:
// reading a provenance, planning and comparing need no build engine.
var buildahFree = []string{"pkg/provenance", "pkg/konflux", "pkg/inputs", "pkg/compare", "pkg/plan", "pkg/kit", "pkg/vsa", "pkg/keyless"}

type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// TestDependencyDirection fails when a package imports a project package the table above
// does not allow, when a package is missing from the table, or when a package that must not
// link buildah does.
func TestDependencyDirection(t *testing.T) {
	tags, err := os.ReadFile("buildtags")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-tags", strings.TrimSpace(string(tags)), "-json=ImportPath,Imports,Deps", "./...")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("go list: %v", err)
	}
	dec := json.NewDecoder(out)
	seen := 0
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		if name == p.ImportPath || name == "" {
			continue // the module root: this test alone
		}
		seen++
		ok, known := allowed[name]
		if !known {
			t.Errorf("package %s is not in the dependency table: add it with what it may import", name)
			continue
		}
		for _, imp := range p.Imports {
			if dep, mine := strings.CutPrefix(imp, module); mine && !slices.Contains(ok, dep) {
				t.Errorf("%s imports %s: the dependency direction allows %v", name, dep, ok)
			}
		}
		if slices.Contains(buildahFree, name) && slices.Contains(p.Deps, "github.com/containers/buildah") {
			t.Errorf("%s links the buildah library: only pkg/build and what uses it may", name)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go list: %v", err)
	}
	if seen < len(allowed)-1 {
		t.Errorf("go list named %d project packages, the table %d", seen, len(allowed))
	}
}
