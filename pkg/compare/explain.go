package compare

import (
	"fmt"
	"io"
	"strings"
)

// DefaultExplainFiles bounds the files the explanation prints per layer.
const DefaultExplainFiles = 20

// Verdict is the one-line outcome.
func (r *Report) Verdict() string {
	if r.Identical {
		return fmt.Sprintf("identical: the rebuilt image ID is the published one, %s", r.Rebuilt.ID)
	}
	if r.Equivalent() {
		return fmt.Sprintf("equivalent: published %s, rebuilt %s: identical once the published image's %s are carried over",
			short(r.Published.ID), short(r.Rebuilt.ID), carriedSummary(r.Equivalence.Carried))
	}
	if e := r.Equivalence; e != nil && e.Equivalent && e.TaskLayer {
		return fmt.Sprintf("different: published %s, rebuilt %s: only by the layer the task committed after the build and time values: identical once that layer and the published image's %s are carried over",
			short(r.Published.ID), short(r.Rebuilt.ID), carriedSummary(e.Carried))
	}
	return fmt.Sprintf("different: published %s, rebuilt %s: %s", short(r.Published.ID), short(r.Rebuilt.ID), r.Summary)
}

// carriedSummary counts the time values carried over, by where: "12 time values (config
// and history created 4, labels 2, labels.json 2, file times 4 in 2 layers)".
func carriedSummary(carried []Carried) string {
	var config, labels, annotations, labelsJSON, files int
	layers := map[string]bool{}
	for _, c := range carried {
		switch {
		case strings.Contains(c.Where, "labels.json ") || strings.HasSuffix(c.Where, " content digest"):
			labelsJSON++
		case strings.HasPrefix(c.Where, "config ") || strings.HasPrefix(c.Where, "history["):
			config++
		case strings.HasPrefix(c.Where, "label "):
			labels++
		case strings.HasPrefix(c.Where, "annotation "):
			annotations++
		default:
			files++
			layers[strings.SplitN(c.Where, " ", 3)[1]] = true
		}
	}
	return fmt.Sprintf("%d time values (config and history created %d, labels %d, annotations %d, labels.json and its digest %d, file times %d in %d layer(s))",
		len(carried), config, labels, annotations, labelsJSON, files, len(layers))
}

// Explain writes the differences for a person, each line prefixed with prefix, at most
// maxFiles files per layer (0: DefaultExplainFiles).
func (r *Report) Explain(w io.Writer, prefix string, maxFiles int) {
	if r.Identical {
		return
	}
	if e := r.Equivalence; e != nil && !e.Equivalent && e.Reason != "" {
		fmt.Fprintf(w, "%snot equivalent: carrying the published time values over: %s\n", prefix, e.Reason)
	}
	if maxFiles <= 0 {
		maxFiles = DefaultExplainFiles
	}
	for _, d := range r.Drift {
		fmt.Fprintf(w, "%sinput drift: %s\n", prefix, d.Detail)
	}
	for _, f := range r.Config {
		fmt.Fprintf(w, "%sconfig %s: %s -> %s [%s]\n", prefix, f.Field, clip(string(f.Published)), clip(string(f.Rebuilt)), causeText(f.Cause))
	}
	for _, f := range r.Annotations {
		fmt.Fprintf(w, "%sannotation %s: %s -> %s [%s]\n", prefix, f.Field, clip(string(f.Published)), clip(string(f.Rebuilt)), causeText(f.Cause))
	}
	for _, l := range r.Layers {
		fmt.Fprintf(w, "%slayer %d: published %s, rebuilt %s: %d file(s) differ [%s]\n", prefix, l.Index,
			orNone(short(l.Published)), orNone(short(l.Rebuilt)), len(l.Files)+l.Omitted, summary(l.Causes))
		if l.Note != "" {
			fmt.Fprintf(w, "%s  %s\n", prefix, l.Note)
		}
		for i, f := range l.Files {
			if i == maxFiles {
				fmt.Fprintf(w, "%s  ... and %d more (see --report)\n", prefix, len(l.Files)+l.Omitted-maxFiles)
				break
			}
			fmt.Fprintf(w, "%s  %s: %s [%s]\n", prefix, f.Path, describe(f), causeText(f.Cause))
		}
	}
}

func owner(m *FileMeta) string {
	s := fmt.Sprintf("%d:%d", m.UID, m.GID)
	if m.Uname != "" || m.Gname != "" {
		s += fmt.Sprintf(" (%s:%s)", m.Uname, m.Gname)
	}
	return s
}

// describe says how one file differs: "content sha256:ab12.. -> sha256:cd34..", "mtime a -> b".
func describe(f FileDiff) string {
	a, b := f.Published, f.Rebuilt
	var parts []string
	for _, k := range f.Kinds {
		switch k {
		case "only-published":
			parts = append(parts, "only in the published image ("+a.Type+")")
		case "only-rebuilt":
			parts = append(parts, "only in the rebuild ("+b.Type+")")
		case "type":
			parts = append(parts, fmt.Sprintf("type %s -> %s", a.Type, b.Type))
		case "content":
			parts = append(parts, fmt.Sprintf("content %s -> %s", short(a.Digest), short(b.Digest)))
		case "size":
			parts = append(parts, fmt.Sprintf("size %d -> %d", a.Size, b.Size))
		case "mode":
			parts = append(parts, fmt.Sprintf("mode %s -> %s", a.Mode, b.Mode))
		case "owner":
			parts = append(parts, fmt.Sprintf("uid/gid %s -> %s", owner(a), owner(b)))
		case "mtime":
			parts = append(parts, fmt.Sprintf("mtime %s -> %s", a.Mtime.Format("2006-01-02T15:04:05.999999999Z"), b.Mtime.Format("2006-01-02T15:04:05.999999999Z")))
		case "link":
			parts = append(parts, fmt.Sprintf("link %q -> %q", a.Link, b.Link))
		case "xattrs":
			parts = append(parts, "xattrs/PAX records")
		case "order":
			parts = append(parts, fmt.Sprintf("order in the tar %d -> %d", a.Index, b.Index))
		}
	}
	return strings.Join(parts, ", ")
}

// short cuts a digest to its algorithm and 12 hex characters.
func short(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func clip(s string) string {
	if len(s) > 100 {
		return s[:97] + "..."
	}
	return s
}
