package konflux

import "testing"

// TestInjectRuns: konflux-build-cli's RUN rewrite, case by case; the e2e cases kbc-hermetic-*
// check it against konflux-build-cli itself (REBUILD_KBC).
func TestInjectRuns(t *testing.T) {
	const in = "X && "
	for name, tc := range map[string]struct{ cf, want string }{
		"plain":          {"FROM a\nRUN make\n", "FROM a\nRUN X && make\n"},
		"indent kept":    {"FROM a\n\n   run  make\n", "FROM a\n\n   run  X && make\n"},
		"options":        {"FROM a\nRUN --mount=type=cache,target=/c --network=none make\n", "FROM a\nRUN --mount=type=cache,target=/c --network=none X && make\n"},
		"quoted option":  {"FROM a\nRUN --mount=type=secret,id=\"a b\" make\n", "FROM a\nRUN --mount=type=secret,id=\"a b\" X && make\n"},
		"on next line":   {"FROM a\nRUN --mount=type=tmpfs,target=/t \\\n    make \\\n    all\n", "FROM a\nRUN --mount=type=tmpfs,target=/t \\\n    X && make \\\n    all\n"},
		"comment inside": {"FROM a\nRUN \\\n# a comment\n    make\n", "FROM a\nRUN \\\n# a comment\n    X && make\n"},
		"exec form":      {"FROM a\nRUN [\"make\"]\n", "FROM a\nRUN [\"make\"]\n"},
		"bare heredoc":   {"FROM a\nRUN <<EOF\nmake\nEOF\n", "FROM a\nRUN <<EOF\nmake\nEOF\n"},
		"sh heredoc":     {"FROM a\nRUN sh <<EOF\nmake\nEOF\n", "FROM a\nRUN X && sh <<EOF\nmake\nEOF\n"},
		"comment only":   {"FROM a\nRUN # nothing\n", "FROM a\nRUN # nothing\n"},
		"no newline":     {"FROM a\nRUN make", "FROM a\nRUN X && make\n"},
		"backtick":       {"# escape=`\nFROM a\nRUN --mount=type=tmpfs,target=/t `\n    make\n", "# escape=`\nFROM a\nRUN --mount=type=tmpfs,target=/t `\n    X && make\n"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := injectRuns([]byte(tc.cf), in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("injectRuns:\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
	// A text of several lines continues with the file's escape character.
	got, err := injectRuns([]byte("# escape=`\nFROM a\nRUN make\n"), ". /env && \\\n    ")
	if want := "# escape=`\nFROM a\nRUN . /env && `\n    make\n"; err != nil || string(got) != want {
		t.Errorf("a two-line text with a backtick escape: %q, %v; want %q", got, err, want)
	}
}
