package konflux

import (
	"strings"
	"unicode"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// injectRuns is konflux-build-cli's RUN rewrite (pkg/common/containerfile_editor,
// RunInjector): text goes at the start of the command of every shell-form RUN, after its
// --options, on the physical line where the command starts. Not into a RUN in exec form,
// one that starts with a heredoc (`RUN <<EOF`), or one that is a comment alone. The lines of
// the text are joined with the file's escape character; indentation and blank lines stay;
// the result ends with a newline.
func injectRuns(content []byte, text string) ([]byte, error) {
	res, err := parser.Parse(strings.NewReader(string(content)))
	if err != nil {
		return nil, err
	}
	escape := byte(res.EscapeToken)
	var lines []string
	for line := range strings.Lines(string(content)) {
		lines = append(lines, strings.TrimSuffix(line, "\n"))
	}
	var parts []string
	for line := range strings.Lines(text) {
		parts = append(parts, trimContinuation(strings.TrimSuffix(line, "\n"), '\\'))
	}
	text = strings.Join(parts, string(escape)+"\n")
	for _, node := range res.AST.Children {
		if !strings.EqualFold(node.Value, "run") || node.Attributes["json"] {
			continue
		}
		physical := runLines(lines, node.StartLine-1, escape)
		var logical strings.Builder
		for _, i := range physical {
			logical.WriteString(trimContinuation(lines[i], escape))
		}
		at := commandStart(logical.String(), escape)
		if at < 0 {
			continue
		}
		for _, i := range physical {
			n := len(trimContinuation(lines[i], escape))
			if n > at {
				lines[i] = lines[i][:at] + text + lines[i][at:]
				break
			}
			at -= n
		}
	}
	return []byte(strings.Join(lines, "\n") + "\n"), nil
}

// runLines are the physical lines of the instruction starting at line first: it and those it
// continues onto, less comment lines.
func runLines(lines []string, first int, escape byte) []int {
	var out []int
	for i := first; i < len(lines); i++ {
		if strings.HasPrefix(strings.TrimLeftFunc(lines[i], unicode.IsSpace), "#") {
			continue
		}
		out = append(out, i)
		if len(trimContinuation(lines[i], escape)) == len(lines[i]) {
			break
		}
	}
	return out
}

// commandStart is the offset in a RUN's logical line of its first word after RUN that is not
// an --option; -1 when that word starts a comment or a heredoc, or there is none.
func commandStart(line string, escape byte) int {
	words := shellWords(line, escape)
	for _, w := range words[min(1, len(words)):] {
		word := line[w[0]:w[1]]
		switch {
		case strings.HasPrefix(word, "--"):
			continue
		case strings.HasPrefix(word, "#"), parser.MustParseHeredoc(word) != nil:
			return -1
		}
		return w[0]
	}
	return -1
}

// shellWords splits a line at unquoted white space, as konflux-build-cli's tokenizer does:
// single quotes escape nothing, double quotes the escape character before ", $ or itself,
// and outside quotes it escapes the next byte. Each word is [start, end).
func shellWords(line string, escape byte) [][2]int {
	var words [][2]int
	start := -1
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		space := unicode.IsSpace(rune(c))
		if !space && start < 0 {
			start = i
		}
		switch {
		case space:
			if quote == 0 && start >= 0 {
				words = append(words, [2]int{start, i})
				start = -1
			}
		case c == escape:
			if quote == 0 || quote == '"' && i+1 < len(line) && (line[i+1] == '"' || line[i+1] == '$' || line[i+1] == escape) {
				i++
			}
		case c == '\'' || c == '"':
			if quote == 0 {
				quote = c
			} else if quote == c {
				quote = 0
			}
		}
	}
	if start >= 0 {
		words = append(words, [2]int{start, len(line)})
	}
	return words
}

// trimContinuation drops a line's continuation, as buildkit reads it: the escape character
// at its end, maybe followed by blanks, not itself escaped.
func trimContinuation(line string, escape byte) string {
	trimmed := strings.TrimRight(line, " \t")
	if n := len(trimmed); n > 0 && trimmed[n-1] == escape && (n == 1 || trimmed[n-2] != escape) {
		return trimmed[:n-1]
	}
	return line
}
