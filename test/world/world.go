// Package world starts, on loopback, what a Konflux build and a rebuild talk to: a registry,
// a git smart-HTTP server (also serving what prefetch lock files download), base images, and a
// publisher that builds, signs and attests images the way Konflux does.
package world

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// World is the shared loopback environment of the end-to-end tests.
type World struct {
	Dir      string // temporary root of everything the world writes
	Root     string // module root
	Tools    Tools
	Registry string // host:port of the registry
	Policy   string // signature policy accepting anything
	Key      string // cosign private key (empty password)
	PubKey   string // cosign public key
	LogPath  string // stderr of every child process

	registriesConf string
	registryCmd    *exec.Cmd
	gitRoot        string
	gitServer      *httptest.Server
	images         map[string]string // tag -> digest of what the world pushed
	log            io.Writer
	logFile        *os.File
}

// Start brings the world up in a new temporary directory. Close it when done.
func Start(ctx context.Context) (w *World, err error) {
	syscall.Umask(0o022)
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	tools, err := FindTools(root)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "rebuild-e2e-")
	if err != nil {
		return nil, fmt.Errorf("creating world dir: %w", err)
	}
	w = &World{Dir: dir, Root: root, Tools: tools, LogPath: filepath.Join(dir, "world.log")}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()
	if w.logFile, err = os.Create(w.LogPath); err != nil {
		return nil, fmt.Errorf("creating log: %w", err)
	}
	w.log = w.logFile
	if err := w.startRegistry(ctx); err != nil {
		return nil, err
	}
	if err := w.writeConfigs(); err != nil {
		return nil, err
	}
	if err := w.startGit(); err != nil {
		return nil, err
	}
	if err := w.generateKeys(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

// Close stops the servers and removes the world's directory.
func (w *World) Close() {
	if w.gitServer != nil {
		w.gitServer.Close()
	}
	w.stopRegistry()
	if w.logFile != nil {
		w.logFile.Close()
	}
	if os.Getenv("REBUILD_E2E_KEEP") != "" {
		return
	}
	_ = RemoveAll(w.Dir)
}

// Env is the environment of every child process: the host's, with the world's registry
// configuration and no user or system git configuration.
func (w *World) Env() []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CONTAINERS_REGISTRIES_CONF=") || strings.HasPrefix(kv, "GIT_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"CONTAINERS_REGISTRIES_CONF="+w.registriesConf,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null",
		"COSIGN_PASSWORD=",
		"TUF_ROOT="+filepath.Join(w.Dir, "tuf"),
		"OTEL_TRACES_EXPORTER=none",
		"REBUILD_ENGINES="+w.Tools.Engines,
	)
}

// TempDir makes a new directory under the world's root.
func (w *World) TempDir(pattern string) (string, error) {
	dir, err := os.MkdirTemp(w.Dir, pattern)
	if err != nil {
		return "", fmt.Errorf("creating temp dir: %w", err)
	}
	return dir, nil
}

func (w *World) writeConfigs() error {
	w.registriesConf = filepath.Join(w.Dir, "registries.conf")
	conf := fmt.Sprintf("short-name-mode = \"disabled\"\nunqualified-search-registries = []\n\n[[registry]]\nlocation = %q\ninsecure = true\n", w.Registry)
	if err := WriteFile(w.registriesConf, []byte(conf), 0o644); err != nil {
		return err
	}
	w.Policy = filepath.Join(w.Dir, "policy.json")
	return WriteFile(w.Policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`+"\n"), 0o644)
}
