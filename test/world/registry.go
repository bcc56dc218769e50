package world

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

const registryConfig = `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  secret: rebuild-e2e
`

// startRegistry runs the distribution registry on a free loopback port.
func (w *World) startRegistry(ctx context.Context) error {
	dir := filepath.Join(w.Dir, "registry")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating registry dir: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	config := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(config, fmt.Appendf(nil, registryConfig, filepath.Join(dir, "data"), addr), 0o644); err != nil {
		return fmt.Errorf("writing registry config: %w", err)
	}
	cmd := exec.Command(w.Tools.Registry, "serve", config)
	cmd.Env = append(os.Environ(), "OTEL_TRACES_EXPORTER=none")
	cmd.Stdout = w.log
	cmd.Stderr = w.log
	// Dies with the test binary, even when a test timeout skips Close.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting registry: %w", err)
	}
	w.registryCmd = cmd
	w.Registry = addr
	return waitHTTP(ctx, "http://"+addr+"/v2/", 30*time.Second)
}

func (w *World) stopRegistry() {
	if w.registryCmd == nil || w.registryCmd.Process == nil {
		return
	}
	_ = w.registryCmd.Process.Kill()
	_ = w.registryCmd.Wait()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", url, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: not ready after %s (last error %v)", url, timeout, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", url, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
