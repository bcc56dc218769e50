package konflux

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// LabelsJSON returns the bytes of the labels.json the Konflux task injects: the base image's
// labels deep-merged with an object made of pairs ("key=value", each cut at its second "="),
// printed as jq prints it. base keys come sorted, as Go's JSON encoder wrote them for jq.
func LabelsJSON(base map[string]string, pairs []string) []byte {
	var keys []string
	values := map[string]string{}
	set := func(k, v string) {
		if _, ok := values[k]; !ok {
			keys = append(keys, k)
		}
		values[k] = v
	}
	for _, k := range sortedKeys(base) {
		set(k, base[k])
	}
	for _, p := range pairs {
		if p == "" {
			continue
		}
		parts := strings.Split(p, "=")
		v := ""
		if len(parts) > 1 {
			v = parts[1]
		}
		set(parts[0], v)
	}
	var b bytes.Buffer
	if len(keys) == 0 {
		b.WriteString("{}\n")
		return b.Bytes()
	}
	b.WriteString("{\n")
	for i, k := range keys {
		b.WriteString("  ")
		writeJQString(&b, k)
		b.WriteString(": ")
		writeJQString(&b, values[k])
		if i < len(keys)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// writeJQString writes s as jq does: only '"', '\\' and control characters are escaped;
// invalid UTF-8 becomes U+FFFD, as jq's input decoding makes it.
func writeJQString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range strings.ToValidUTF8(s, string(utf8.RuneError)) {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
