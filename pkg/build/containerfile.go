package build

import (
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
	Labels    []KeyValue
}

// KeyValue is one LABEL pair.
type KeyValue struct {
	Key, Value string
}

// ParseContainerfile parses r with buildkit's parser; args are the build arguments.
func ParseContainerfile(r io.Reader, args map[string]string) (*Containerfile, error) {
	res, err := parser.Parse(r)
	if err != nil {
		return nil, fmt.Errorf("parsing Containerfile: %w", err)
	}
	lex := shell.NewLex(res.EscapeToken)
	meta := platformArgs()
	for k := range meta {
		if v, ok := args[k]; ok {
			meta[k] = v
		}
	}
	cf := &Containerfile{}
	var stageEnv argEnv
	for _, node := range res.AST.Children {
		switch strings.ToLower(node.Value) {
		case "arg":
			env := stageEnv
			if env == nil {
				env = meta
			}
			if err := declareArgs(lex, node, env, args, meta); err != nil {
				return nil, err
			}
		case "from":
			st, err := parseFrom(lex, node, cf.Stages, meta)
			if err != nil {
				return nil, err
			}
			cf.Stages = append(cf.Stages, st)
			stageEnv = argEnv{}
		case "label":
			if len(cf.Stages) == 0 {
				return nil, fmt.Errorf("line %d: LABEL before the first FROM", node.StartLine)
			}
			kvs, err := parseLabels(lex, node, stageEnv.env())
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
	base, _, err := lex.ProcessWord(node.Next.Value, meta.env())
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
	return st, nil
}

func declareArgs(lex *shell.Lex, node *parser.Node, env argEnv, args map[string]string, meta argEnv) error {
	for n := node.Next; n != nil; n = n.Next {
		name, def, hasDef := strings.Cut(n.Value, "=")
		if v, ok := args[name]; ok {
			env[name] = v
			continue
		}
		if hasDef {
			v, _, err := lex.ProcessWord(def, env.env())
			if err != nil {
				return fmt.Errorf("line %d: expanding ARG %s: %w", node.StartLine, name, err)
			}
			env[name] = v
			continue
		}
		if v, ok := meta[name]; ok {
			env[name] = v
		}
	}
	return nil
}

// parseLabels reads the parser's (key, value, separator) triplets.
func parseLabels(lex *shell.Lex, node *parser.Node, env shell.EnvGetter) ([]KeyValue, error) {
	var kvs []KeyValue
	for n := node.Next; n != nil; {
		if n.Next == nil {
			return nil, fmt.Errorf("line %d: LABEL %q has no value", node.StartLine, n.Value)
		}
		key, _, err := lex.ProcessWord(n.Value, env)
		if err != nil {
			return nil, fmt.Errorf("line %d: expanding LABEL key %q: %w", node.StartLine, n.Value, err)
		}
		val, _, err := lex.ProcessWord(n.Next.Value, env)
		if err != nil {
			return nil, fmt.Errorf("line %d: expanding LABEL %s: %w", node.StartLine, key, err)
		}
		kvs = append(kvs, KeyValue{Key: key, Value: val})
		n = n.Next.Next
		if n != nil {
			n = n.Next
		}
	}
	return kvs, nil
}

// FinalBase follows the last stage through FROM <stage> to the image it starts from;
// "" when that is scratch.
func (c *Containerfile) FinalBase() string {
	st := c.Stages[len(c.Stages)-1]
	for st.FromStage >= 0 {
		st = c.Stages[st.FromStage]
	}
	if st.Scratch || strings.HasPrefix(st.BaseName, "oci-archive:") {
		return ""
	}
	return st.BaseName
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

func (e argEnv) env() shell.EnvGetter { return e }

func (e argEnv) Get(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}

func (e argEnv) Keys() []string { return sortedKeys(e) }
