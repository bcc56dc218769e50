package plan

import (
	"path"
	"regexp"
	"strings"

	"github.com/rebuild-project/rebuild/pkg/inputs"
	"github.com/rebuild-project/rebuild/pkg/konflux"
)

// planSource reads the Containerfile at the commit as the task finds it, resolves its FROM
// images and checks what it copies and runs. It returns the stages and the ANNOTATIONS_FILE
// content for the replay.
func (p *Plan) planSource(task konflux.Task, ev Evidence) ([]konflux.Stage, string) {
	tree := ev.Tree
	var annotations string
	if task.AnnotationsFile != "" {
		if data, err := tree.ReadFile(clean(task.AnnotationsFile)); err == nil {
			annotations = string(data) // the task skips a missing file, and so does the replay
		}
	}
	var content []byte
	for _, candidate := range []string{path.Join(task.Context, task.Dockerfile), task.Dockerfile} {
		if data, err := tree.ReadFile(clean(candidate)); err == nil {
			p.Containerfile.Path, content = clean(candidate), data
			break
		}
	}
	if p.Containerfile.Path == "" {
		p.add(CodeContainerfile, "Containerfile %q is at the commit neither in CONTEXT %q nor in the source root", task.Dockerfile, task.Context)
		return nil, annotations
	}
	var argsFile []byte
	if task.BuildArgsFile != "" {
		var err error
		if argsFile, err = tree.ReadFile(clean(task.BuildArgsFile)); err != nil {
			p.add(CodeBadParams, "BUILD_ARGS_FILE %q is not at the commit", task.BuildArgsFile)
			return nil, annotations
		}
	}
	args, err := task.BuildArgValues(string(argsFile))
	if err != nil {
		p.add(CodeBadParams, "%v", err)
		return nil, annotations
	}
	cf, err := konflux.ParseContainerfile(strings.NewReader(string(content)), args)
	if err != nil {
		p.add(CodeContainerfile, "%s: %v", p.Containerfile.Path, err)
		return nil, annotations
	}
	p.planImages(cf, ev)
	ignore := p.ignoreFile(tree, task.Context)
	if instrs, err := konflux.Instructions(content); err == nil {
		p.checkInstructions(instrs, task.Context, ignore)
	}
	return cf.Stages, annotations
}

// clean makes a parameter's path relative to the source root, as the task's shell joins it.
func clean(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// planImages lists the FROM images and the digests a rebuild would pull them by.
func (p *Plan) planImages(cf *konflux.Containerfile, ev Evidence) {
	last := len(cf.Stages) - 1
	for i, st := range cf.Stages {
		if st.FromStage >= 0 || st.Scratch {
			continue
		}
		if st.Local {
			p.add(CodeLocalBase, "stage %d starts FROM %s, a layout read from the context that the build writes or the commit holds: not looked up in the SBOM, not pulled", i, st.BaseName)
			p.Images = append(p.Images, Image{Stage: i, Name: st.BaseName, Source: Built})
			continue
		}
		img := Image{Stage: i, Name: st.BaseName, Source: Unresolved}
		pinned := strings.Contains(st.BaseName, "@sha256:")
		if ev.SBOMRead || pinned {
			pins, err := inputs.Resolve([]inputs.From{{Stage: i, Name: st.BaseName, Last: i == last}}, ev.SBOM)
			switch {
			case err != nil && ev.SBOMRead:
				p.add(CodeUnpinned, "%v", err)
			case err == nil:
				img.Reference = pins[st.BaseName]
				_, img.Digest, _ = strings.Cut(img.Reference, "@")
				img.Source = FromSBOM
				if pinned {
					img.Source = FromContainerfile
				}
			}
		}
		p.Images = append(p.Images, img)
	}
}

// ignoreFile returns the ignore file the task would pass, and its patterns.
func (p *Plan) ignoreFile(tree Tree, context string) []string {
	for _, name := range []string{".containerignore", ".dockerignore"} {
		f := clean(path.Join(context, name))
		if data, err := tree.ReadFile(f); err == nil {
			p.Containerfile.IgnoreFile = f
			return strings.Split(string(data), "\n")
		}
	}
	return nil
}

// wholeContext are COPY/ADD sources that take the whole context, .git included.
var wholeContext = map[string]bool{".": true, "./": true, "*": true, "/": true, "./*": true}

// readsClock matches a shell command line that calls date, unless it is given a time.
var readsClock = regexp.MustCompile(`(^|[;&|(\x60\s])date(\s|;|\)|$)`)

// checkInstructions warns of a COPY of the whole context when .git is in it and kept, and
// of RUN steps that read the clock.
func (p *Plan) checkInstructions(instrs []konflux.Instruction, context string, ignore []string) {
	gitInContext := clean(context) == ""
	for _, in := range instrs {
		switch in.Cmd {
		case "copy", "add":
			if !gitInContext || hasFlag(in.Flags, "--from") || len(in.Args) < 2 || excludesGit(ignore) {
				continue
			}
			for _, src := range in.Args[:len(in.Args)-1] {
				if wholeContext[src] {
					how := "no ignore file"
					if p.Containerfile.IgnoreFile != "" {
						how = p.Containerfile.IgnoreFile + " does not exclude .git"
					}
					p.add(CodeCopiesGit, "line %d: %s %s copies the context with its .git folder (%s): git's files differ between clones",
						in.Line, strings.ToUpper(in.Cmd), src, how)
					break
				}
			}
		case "run":
			cmd := strings.Join(in.Args, " ")
			if readsClock.MatchString(cmd) && !strings.Contains(cmd, "SOURCE_DATE_EPOCH") && !strings.Contains(cmd, "date -d") && !strings.Contains(cmd, "date --date") {
				p.add(CodeClock, "line %d: RUN calls date: what it writes depends on when the build runs", in.Line)
			}
		}
	}
}

func hasFlag(flags []string, name string) bool {
	for _, f := range flags {
		if f == name || strings.HasPrefix(f, name+"=") {
			return true
		}
	}
	return false
}

// excludesGit reports whether ignore-file patterns leave .git out of the context: the last
// pattern matching .git decides, a "!" pattern bringing it back.
func excludesGit(lines []string) bool {
	excluded := false
	for _, line := range lines {
		pat := strings.TrimSpace(line)
		if pat == "" || strings.HasPrefix(pat, "#") {
			continue
		}
		negate := strings.HasPrefix(pat, "!")
		pat = strings.TrimPrefix(pat, "!")
		pat = strings.TrimSuffix(strings.TrimPrefix(path.Clean("/"+pat), "/"), "/")
		pat = strings.TrimPrefix(pat, "**/")
		if ok, err := path.Match(pat, ".git"); err == nil && ok {
			excluded = !negate
		}
	}
	return excluded
}
