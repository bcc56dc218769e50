package konflux

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Containerfile is what the Konflux task reads from a Containerfile: its stages and their
// LABEL instructions, with build arguments expanded as buildkit's parser expands them.
type Containerfile struct {
	Stages []Stage
}

// Stage is one FROM and the labels its LABEL instructions set, in order.
type Stage struct {
	Name      string // the AS name, "" when none
	BaseName  string // the FROM operand after expansion
	FromStage int    // index of the earlier stage it builds on, or -1
	Scratch   bool
	// Local: FROM oci:DIR or oci-archive:FILE, a base buildah reads from a path (chunkah's
	// output, written into the context by an earlier stage): part of the build, not an input.
	Local  bool
	Labels []KeyValue
}

// KeyValue is one LABEL pair.
type KeyValue struct {
	Key, Value string
}

// ParseContainerfile parses r with buildkit's parser; args are the build arguments.
// FROM operands are expanded as buildah expands them. LABEL pairs are read as the task's
// dockerfile-json reports them: as written, quotes included, except that its expander swaps a
// key or value that is exactly the name of a global ARG for that ARG's value.
func ParseContainerfile(r io.Reader, args map[string]string) (*Containerfile, error) {
	res, err := parser.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("parsing Containerfile: %w", err)
	}
	lex := shell.NewLex(res.EscapeToken)
	provided := platformArgs()
	for k, v := range args {
		provided[k] = v
	}
	meta := platformArgs()
	for k := range meta {
		meta[k] = provided[k]
	}
	globals := argEnv{}
	cf := &Containerfile{}
	for _, node := range res.AST.Children {
		switch strings.ToLower(node.Value) {
		case "arg":
			if len(cf.Stages) == 0 {
				if err := declareGlobalArgs(lex, node, provided, meta, globals); err != nil {
					return nil, err
				}
			}
		case "from":
			st, err := parseFrom(lex, node, cf.Stages, meta)
			if err != nil {
				return nil, err
			}
			cf.Stages = append(cf.Stages, st)
		case "label":
			if len(cf.Stages) == 0 {
				return nil, fmt.Errorf("line %d: LABEL before the first FROM", node.StartLine)
			}
			kvs, err := labelPairs(node, globals)
			if err != nil {
				return nil, err
			}
			last := &cf.Stages[len(cf.Stages)-1]
			last.Labels = append(last.Labels, kvs...)
		}
	}
	if len(cf.Stages) == 0 {
		return nil, fmt.Errorf("parsing Containerfile: no FROM instruction")
	}
	return cf, nil
}

func parseFrom(lex *shell.Lex, node *parser.Node, earlier []Stage, meta argEnv) (Stage, error) {
	if node.Next == nil {
		return Stage{}, fmt.Errorf("line %d: FROM without an image", node.StartLine)
	}
	base, _, err := lex.ProcessWord(node.Next.Value, meta)
	if err != nil {
		return Stage{}, fmt.Errorf("line %d: expanding FROM %q: %w", node.StartLine, node.Next.Value, err)
	}
	st := Stage{BaseName: base, FromStage: -1}
	if as := node.Next.Next; as != nil && strings.EqualFold(as.Value, "as") && as.Next != nil {
		st.Name = strings.ToLower(as.Next.Value)
	}
	for i := len(earlier) - 1; i >= 0; i-- {
		if earlier[i].Name != "" && earlier[i].Name == strings.ToLower(base) {
			st.FromStage = i
			break
		}
	}
	if st.FromStage < 0 {
		if i, err := strconv.Atoi(base); err == nil && i >= 0 && i < len(earlier) {
			st.FromStage = i
		}
	}
	st.Scratch = st.FromStage < 0 && strings.EqualFold(base, "scratch")
	_, _, st.Local = LocalBase(base)
	st.Local = st.Local && st.FromStage < 0
	return st, nil
}

// declareGlobalArgs records an ARG before the first FROM: in meta, expanded, for FROM; in
// globals, unexpanded, as the task's parser keeps it.
func declareGlobalArgs(lex *shell.Lex, node *parser.Node, provided, meta, globals argEnv) error {
	for n := node.Next; n != nil; n = n.Next {
		name, def, hasDef := strings.Cut(n.Value, "=")
		if v, ok := provided[name]; ok {
			meta[name], globals[name] = v, v
			continue
		}
		if hasDef {
			v, _, err := lex.ProcessWord(def, meta)
			if err != nil {
				return fmt.Errorf("line %d: expanding ARG %s: %w", node.StartLine, name, err)
			}
			meta[name], globals[name] = v, def
		}
	}
	return nil
}

// labelPairs reads the parser's (key, value, separator) triplets. A pair is swapped for
// global ARG values only when both its key and value name one; the first pair that does not
// ends the swapping for the instruction, as in buildkit's expansion of key-value lists.
func labelPairs(node *parser.Node, globals argEnv) ([]KeyValue, error) {
	var kvs []KeyValue
	swapping := true
	for n := node.Next; n != nil; {
		if n.Next == nil {
			return nil, fmt.Errorf("line %d: LABEL %q has no value", node.StartLine, n.Value)
		}
		kv := KeyValue{Key: n.Value, Value: n.Next.Value}
		if swapping {
			k, kok := globals[kv.Key]
			v, vok := globals[kv.Value]
			if swapping = kok && vok; swapping {
				kv = KeyValue{Key: k, Value: v}
			}
		}
		kvs = append(kvs, kv)
		n = n.Next.Next
		if n != nil {
			n = n.Next
		}
	}
	return kvs, nil
}

// BaseStage follows stage i through FROM <stage> to the stage that starts from an image.
func (c *Containerfile) BaseStage(i int) Stage {
	st := c.Stages[i]
	for st.FromStage >= 0 {
		st = c.Stages[st.FromStage]
	}
	return st
}

// FinalBase follows the last stage through FROM <stage> to the image it starts from;
// "" when that is scratch or a local layout (konflux-build-cli ignores such a base's labels;
// the task's script skips oci-archive: and pulled an oci: one, which its replay refuses).
func (c *Containerfile) FinalBase() string {
	st := c.BaseStage(len(c.Stages) - 1)
	if st.Scratch || st.Local {
		return ""
	}
	return st.BaseName
}

// localTransports are the transports whose FROM operand is a path, as buildah reads it.
var localTransports = []string{"oci:", "oci-archive:"}

// LocalBase splits a FROM operand that names an OCI layout or archive by path into its
// transport ("oci:") and the rest (the path, with ":<reference>" after it when given).
func LocalBase(name string) (transport, rest string, ok bool) {
	for _, t := range localTransports {
		if r, found := strings.CutPrefix(name, t); found {
			return t, r, true
		}
	}
	return "", "", false
}

// platformArgs are the automatic platform ARGs, as buildah and the task's parser set them.
func platformArgs() argEnv {
	p := platforms.DefaultSpec()
	env := argEnv{}
	for _, prefix := range []string{"BUILD", "TARGET"} {
		env[prefix+"PLATFORM"] = platforms.Format(p)
		env[prefix+"OS"] = p.OS
		env[prefix+"ARCH"] = p.Architecture
		env[prefix+"VARIANT"] = p.Variant
	}
	return env
}

// argEnv is the set of ARG values visible at a point of the Containerfile.
type argEnv map[string]string

func (e argEnv) Get(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}

func (e argEnv) Keys() []string { return sortedKeys(e) }

// Instruction is one instruction of a Containerfile as written, before any expansion.
type Instruction struct {
	Line  int      // 1-based line where it starts
	Cmd   string   // lower case: "from", "run", "copy", ...
	Flags []string // e.g. "--from=builder"
	Args  []string // the operands; for a shell-form RUN, the command line as one element
}

// Instructions lists the instructions of a Containerfile, for checks that read it without
// building (which files a COPY takes, what a RUN calls).
func Instructions(content []byte) ([]Instruction, error) {
	res, err := parser.Parse(bytes.NewReader(content))
	if err != nil {
		return nil, fmt.Errorf("parsing Containerfile: %w", err)
	}
	var out []Instruction
	for _, node := range res.AST.Children {
		in := Instruction{Line: node.StartLine, Cmd: strings.ToLower(node.Value)}
		if len(node.Flags) > 0 {
			in.Flags = node.Flags
		}
		for n := node.Next; n != nil; n = n.Next {
			in.Args = append(in.Args, n.Value)
		}
		out = append(out, in)
	}
	return out, nil
}
