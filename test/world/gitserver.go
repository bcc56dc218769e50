package world

import (
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
)

// startGit serves the bare repositories under <Dir>/git over smart HTTP with git http-backend,
// and PrefetchFilesDir at FilesURL: what prefetch lock files download.
func (w *World) startGit() error {
	w.gitRoot = filepath.Join(w.Dir, "git")
	if err := os.MkdirAll(w.gitRoot, 0o755); err != nil {
		return fmt.Errorf("creating git root: %w", err)
	}
	handler := &cgi.Handler{
		Path: w.Tools.Git,
		Args: []string{"http-backend"},
		Dir:  w.gitRoot,
		Env: []string{
			"GIT_PROJECT_ROOT=" + w.gitRoot,
			"GIT_HTTP_EXPORT_ALL=1",
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_CONFIG_COUNT=2",
			"GIT_CONFIG_KEY_0=uploadpack.allowAnySHA1InWant",
			"GIT_CONFIG_VALUE_0=true",
			"GIT_CONFIG_KEY_1=uploadpack.allowFilter",
			"GIT_CONFIG_VALUE_1=true",
		},
		InheritEnv: []string{"PATH"},
		Stderr:     w.log,
	}
	mux := http.NewServeMux()
	mux.Handle("/files/", http.StripPrefix("/files/", http.FileServer(http.Dir(w.PrefetchFilesDir()))))
	mux.Handle("/", handler)
	w.gitServer = httptest.NewServer(mux)
	return nil
}

// GitURL is the clone URL of the fixture repository name.
func (w *World) GitURL(name string) string {
	return w.gitServer.URL + "/" + name + ".git"
}

// FilesURL is the base URL of the files prefetch lock files download, without a trailing
// slash: what FilesPlaceholder stands for.
func (w *World) FilesURL() string {
	return w.gitServer.URL + "/files"
}
