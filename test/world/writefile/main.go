// Command writefile writes its arguments after the first, and the architecture it was built
// for, to the file the first names: the tool of the world's arm64 base image, which a RUN
// step of a fixture runs (under emulation on another host).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: writefile FILE [WORD...]")
		os.Exit(2)
	}
	file := os.Args[1]
	text := strings.Join(os.Args[2:], " ") + "\nwritten by a " + runtime.GOOS + "/" + runtime.GOARCH + " program\n"
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
