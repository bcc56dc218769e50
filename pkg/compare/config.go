package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// timestampKeys are labels and annotations that hold the build's date.
var timestampKeys = map[string]bool{
	"build-date":                       true,
	"org.opencontainers.image.created": true,
}

// driftKeys are labels and annotations that name the build's inputs.
var driftKeys = map[string]bool{
	"io.buildah.version":                   true,
	"org.opencontainers.image.base.digest": true,
	"org.opencontainers.image.base.name":   true,
}

// diffConfig lists the config fields that differ. Layer digests (rootfs) are left to the
// layer comparison.
func diffConfig(pub, reb *imgspecv1.Image) []FieldDiff {
	out := []FieldDiff{}
	add := func(field string, a, b any, cause string) {
		if d, ok := fieldDiff(field, a, b, cause); ok {
			out = append(out, d)
		}
	}
	add("created", pub.Created, reb.Created, CauseTimestamps)
	add("author", pub.Author, reb.Author, CauseConfig)
	add("architecture", pub.Architecture, reb.Architecture, CauseConfig)
	add("os", pub.OS, reb.OS, CauseConfig)
	add("variant", pub.Variant, reb.Variant, CauseConfig)
	pc, rc := pub.Config, reb.Config
	add("config.User", pc.User, rc.User, CauseConfig)
	add("config.Env", pc.Env, rc.Env, CauseConfig)
	add("config.Entrypoint", pc.Entrypoint, rc.Entrypoint, CauseConfig)
	add("config.Cmd", pc.Cmd, rc.Cmd, CauseConfig)
	add("config.WorkingDir", pc.WorkingDir, rc.WorkingDir, CauseConfig)
	add("config.ExposedPorts", pc.ExposedPorts, rc.ExposedPorts, CauseConfig)
	add("config.Volumes", pc.Volumes, rc.Volumes, CauseConfig)
	add("config.StopSignal", pc.StopSignal, rc.StopSignal, CauseConfig)
	out = append(out, diffMap("config.Labels.", pc.Labels, rc.Labels)...)
	for i := range max(len(pub.History), len(reb.History)) {
		var a, b *imgspecv1.History
		if i < len(pub.History) {
			a = &pub.History[i]
		}
		if i < len(reb.History) {
			b = &reb.History[i]
		}
		cause := CauseConfig
		switch {
		case a != nil && b != nil && sameButCreated(*a, *b):
			cause = CauseTimestamps
		case a != nil && b != nil && sameButCopied(*a, *b):
			cause = CauseContent
		}
		add(fmt.Sprintf("history[%d]", i), a, b, cause)
	}
	return out
}

func sameButCreated(a, b imgspecv1.History) bool {
	a.Created, b.Created = nil, nil
	return a == b
}

// copiedContent is the digest buildah writes for the content of a COPY or ADD step.
var copiedContent = regexp.MustCompile(`\b(dir|file|multi):[0-9a-f]{64}\b`)

// sameButCopied reports whether a and b differ only in the digest of what a COPY or ADD
// step copied: the files differ, and the layers say which.
func sameButCopied(a, b imgspecv1.History) bool {
	a.CreatedBy = copiedContent.ReplaceAllString(a.CreatedBy, "$1:-")
	b.CreatedBy = copiedContent.ReplaceAllString(b.CreatedBy, "$1:-")
	return a == b || sameButCreated(a, b)
}

// diffAnnotations lists the manifest annotations that differ.
func diffAnnotations(pub, reb map[string]string) []FieldDiff {
	return diffMap("", pub, reb)
}

// diffMap compares two string maps key by key, in sorted key order.
func diffMap(prefix string, pub, reb map[string]string) []FieldDiff {
	out := []FieldDiff{}
	var keys []string
	for k := range pub {
		keys = append(keys, k)
	}
	for k := range reb {
		if _, ok := pub[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		a, aok := pub[k]
		b, bok := reb[k]
		if aok && bok && a == b {
			continue
		}
		cause := CauseConfig
		switch {
		case timestampKeys[k] && aok && bok:
			cause = CauseTimestamps
		case driftKeys[k]:
			cause = CauseInputDrift
		}
		d := FieldDiff{Field: prefix + k, Cause: cause, Published: json.RawMessage("null"), Rebuilt: json.RawMessage("null")}
		if aok {
			d.Published = mustJSON(a)
		}
		if bok {
			d.Rebuilt = mustJSON(b)
		}
		out = append(out, d)
	}
	return out
}

func fieldDiff(field string, a, b any, cause string) (FieldDiff, bool) {
	ja, jb := mustJSON(a), mustJSON(b)
	if bytes.Equal(ja, jb) {
		return FieldDiff{}, false
	}
	return FieldDiff{Field: field, Published: ja, Rebuilt: jb, Cause: cause}, true
}

// mustJSON encodes v; the values here (strings, slices, maps, time, history) always encode.
func mustJSON(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return json.RawMessage(`null`)
	}
	return json.RawMessage(bytes.TrimSpace(buf.Bytes()))
}
