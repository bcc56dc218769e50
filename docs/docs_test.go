package docs

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestExamples parses every example in docs/examples and checks each command that runs
// rebuild: its flags are the command's flags, the attestation comes on stdin, and the
// builder runs privileged with a volume at /mnt (podman's -v /mnt, or a container whose
// securityContext is privileged and that mounts a volume at /mnt).
func TestExamples(t *testing.T) {
	flags := cliFlags(t)
	files, err := filepath.Glob(filepath.Join("examples", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in docs/examples (%v)", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			docs := readYAML(t, file)
			n := 0
			for _, doc := range docs {
				walk(doc, "", nil, func(s string, containers []map[string]any) {
					for _, line := range commandLines(s) {
						words := strings.Fields(line)
						i := indexOf(words, "rebuild")
						if i < 0 {
							continue
						}
						n++
						checkRebuild(t, line, words[i+1:], flags)
						if p := indexOf(words, "podman"); p >= 0 && p < i {
							checkPodman(t, line, words[p+1:i])
						} else {
							checkContainer(t, line, containers)
						}
					}
				})
			}
			if n == 0 {
				t.Errorf("%s runs rebuild nowhere", file)
			}
		})
	}
}

// checkRebuild checks the words after `rebuild`: known flags, then stdin from a file; or, for
// `rebuild verify`, known flags (--key among them) and the images.
func checkRebuild(t *testing.T, line string, words []string, flags map[string]bool) {
	t.Helper()
	verify := len(words) > 0 && words[0] == "verify"
	if verify {
		words = words[1:]
		if !slices.Contains(words, "--key") {
			t.Errorf("%q: rebuild verify without --key", line)
		}
	}
	stdin, images := false, 0
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "<" || strings.HasPrefix(w, "<") {
			stdin = true
			break
		}
		if w == ">" || w == "|" || w == ";" || w == "&&" || w == "\\" {
			break
		}
		if !strings.HasPrefix(w, "-") {
			if verify {
				images++
				continue
			}
			t.Errorf("%q: rebuild takes no argument %q: the attestation comes on stdin", line, w)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		isBool, ok := flags[name]
		if !ok {
			t.Errorf("%q: rebuild has no flag %q", line, w)
			continue
		}
		if !isBool && !hasValue {
			i++ // the flag's value
		}
	}
	switch {
	case verify && images == 0:
		t.Errorf("%q: rebuild verify names no image", line)
	case !verify && !stdin:
		t.Errorf("%q: the attestation does not come on rebuild's stdin", line)
	}
}

// checkPodman checks podman's words before the image: run -i --privileged -v /mnt.
func checkPodman(t *testing.T, line string, words []string) {
	t.Helper()
	if len(words) == 0 || words[0] != "run" {
		t.Errorf("%q: want podman run", line)
		return
	}
	want := map[string]bool{"-i": false, "--privileged": false, "-v /mnt": false}
	for i, w := range words {
		if w == "-v" && i+1 < len(words) && words[i+1] == "/mnt" {
			w = "-v /mnt"
		}
		if _, ok := want[w]; ok {
			want[w] = true
		}
	}
	for w, seen := range want {
		if !seen {
			t.Errorf("%q: podman run lacks %s", line, w)
		}
	}
}

// checkContainer checks the innermost container (a map with an image) around the command.
func checkContainer(t *testing.T, line string, containers []map[string]any) {
	t.Helper()
	if len(containers) == 0 {
		t.Errorf("%q: runs in no container and not with podman run", line)
		return
	}
	c := containers[len(containers)-1]
	sc, _ := c["securityContext"].(map[string]any)
	if p, _ := sc["privileged"].(bool); !p {
		t.Errorf("%q: container %v is not privileged", line, c["image"])
	}
	mounts, _ := c["volumeMounts"].([]any)
	mnt := false
	for _, m := range mounts {
		if m, ok := m.(map[string]any); ok && m["mountPath"] == "/mnt" {
			mnt = true
		}
	}
	if !mnt {
		t.Errorf("%q: container %v mounts no volume at /mnt", line, c["image"])
	}
}

// walk calls f with every string in v held under a key that carries commands (run, script,
// command, args) and the maps with an "image" key around it.
func walk(v any, key string, containers []map[string]any, f func(string, []map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["image"]; ok {
			containers = append(containers[:len(containers):len(containers)], v)
		}
		for k, e := range v {
			walk(e, k, containers, f)
		}
	case []any:
		for _, e := range v {
			walk(e, key, containers, f)
		}
	case string:
		switch key {
		case "run", "script", "command", "args":
			f(v, containers)
		}
	}
}

// commandLines splits a script into lines, joining those continued with a backslash.
func commandLines(s string) []string {
	s = strings.ReplaceAll(s, "\\\n", " ")
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

func indexOf(words []string, w string) int {
	for i, x := range words {
		if x == w {
			return i
		}
	}
	return -1
}

func readYAML(t *testing.T, file string) []any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var docs []any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("parsing %s: %v", file, err)
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		t.Fatalf("%s holds no YAML document", file)
	}
	return docs
}

// cliFlags reads the rebuild command's flags from its source: every flag defined in the
// function that makes the "rebuild" flag set, mapped to whether it is a boolean.
func cliFlags(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join("..", "cmd", "rebuild", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cmd/rebuild sources (%v)", err)
	}
	flags := map[string]bool{"help": true, "h": true}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil && rootFlagFuncs[fn.Name.Name] {
				collectFlags(fn, flags)
			}
		}
	}
	if len(flags) <= 2 {
		t.Fatal(`found no flags of rebuild (rebuildFlags, engineFlag, expectFlags) in cmd/rebuild`)
	}
	return flags
}

// rootFlagFuncs are the functions of cmd/rebuild that define the flags of rebuild itself.
var rootFlagFuncs = map[string]bool{"rebuildFlags": true, "engineFlag": true, "expectFlags": true, "batchFlags": true}

func collectFlags(fn *ast.FuncDecl, flags map[string]bool) {
	ast.Inspect(fn, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		m := selector(c)
		arg := 0
		switch m {
		case "Var", "BoolVar", "StringVar", "IntVar", "Int64Var", "UintVar", "Uint64Var", "Float64Var", "DurationVar", "TextVar":
			arg = 1
		case "BoolVarP", "StringVarP", "IntVarP": // pflag's, with a shorthand after the name
			arg = 1
			if len(c.Args) > 2 {
				if short := stringLit(c.Args[2]); short != "" {
					flags[short] = m == "BoolVarP"
				}
			}
		case "Bool", "String", "Int", "Int64", "Uint", "Uint64", "Float64", "Duration", "Func", "BoolFunc":
		default:
			return true
		}
		if len(c.Args) > arg {
			if name := stringLit(c.Args[arg]); name != "" {
				flags[name] = strings.HasPrefix(m, "Bool")
			}
		}
		return true
	})
}

func selector(c *ast.CallExpr) string {
	if s, ok := c.Fun.(*ast.SelectorExpr); ok {
		return s.Sel.Name
	}
	return ""
}

func stringLit(e ast.Expr) string {
	if l, ok := e.(*ast.BasicLit); ok && l.Kind == token.STRING {
		if s, err := strconv.Unquote(l.Value); err == nil {
			return s
		}
	}
	return ""
}
