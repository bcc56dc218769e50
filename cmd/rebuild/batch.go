package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// batchOptions are the flags of `rebuild verify` that only a batch has.
type batchOptions struct {
	jobs       int
	imagesFrom string // a file of image references, one a line
	snapshot   string // a Konflux Snapshot (JSON): its components' images
}

func batchFlags(fs *pflag.FlagSet, b *batchOptions) {
	fs.IntVar(&b.jobs, "jobs", 1, "with several images, verify `N` at once (in one store: base and builder layers are pulled once)")
	fs.StringVar(&b.imagesFrom, "images-from", "", "verify the images in `file` too, one reference a line")
	fs.StringVar(&b.snapshot, "snapshot", "", "verify the images of the Konflux Snapshot in `file` too (JSON: spec.components[].containerImage)")
}

// batchOnly are the flags a batch keeps for itself rather than passing to each image's run.
var batchOnly = map[string]bool{"jobs": true, "images-from": true, "snapshot": true, "report": true, "attest-out": true, "trusted-task": true}

// batchResult is one image's outcome in a batch.
type batchResult struct {
	Image   string          `json:"image"`
	ID      string          `json:"id,omitempty"` // the rebuilt image ID
	Verdict string          `json:"verdict"`      // identical, equivalent, different, error
	Cause   string          `json:"cause,omitempty"`
	Exit    int             `json:"exit"`
	Seconds float64         `json:"seconds"`
	Report  json.RawMessage `json:"report,omitempty"`
}

// batchImages lists the images of the arguments, --images-from and --snapshot, in order.
func batchImages(args []string, b batchOptions) ([]string, error) {
	images := append([]string{}, args...)
	if b.imagesFrom != "" {
		data, err := os.ReadFile(b.imagesFrom)
		if err != nil {
			return nil, fmt.Errorf("%w: --images-from: %w", errUsage, err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				images = append(images, line)
			}
		}
	}
	if b.snapshot != "" {
		data, err := os.ReadFile(b.snapshot)
		if err != nil {
			return nil, fmt.Errorf("%w: --snapshot: %w", errUsage, err)
		}
		var snap struct {
			Spec struct {
				Components []struct {
					ContainerImage string `json:"containerImage"`
				} `json:"components"`
			} `json:"spec"`
		}
		if err := json.Unmarshal(data, &snap); err != nil || len(snap.Spec.Components) == 0 {
			return nil, fmt.Errorf("%w: --snapshot %s: not a Snapshot with spec.components (%v)", errUsage, b.snapshot, err)
		}
		for _, c := range snap.Spec.Components {
			images = append(images, c.ContainerImage)
		}
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("%w: rebuild verify takes an image (or --images-from, --snapshot)", errUsage)
	}
	return images, nil
}

// runBatch verifies each image in a run of this binary of its own (`rebuild verify`, the flags
// given, on the one store), jobs at a time, says how each ended as it ends, then prints a
// table; stdout gets "ID IMAGE" a line, in the images' order. The exit code is 0 when every
// image is identical (or accepted), 1 when any differs, else the first error's.
func runBatch(ctx context.Context, cmd *pflag.FlagSet, c config, b batchOptions, images []string, stdout, stderr io.Writer) int {
	tmp, err := os.MkdirTemp(c.workDir, "rebuild-batch-")
	if err != nil {
		return fail(stderr, fmt.Errorf("making a folder for the batch: %w", err))
	}
	defer os.RemoveAll(tmp)
	common := childFlags(cmd, c)
	results := make([]batchResult, len(images))
	jobs := max(b.jobs, 1)
	groups := cpuGroups(jobs)
	slots := make(chan int, jobs) // a job's slot picks its CPUs
	for j := range jobs {
		slots <- j
	}
	if groups != nil {
		c.log(stderr).Phase("batch", "%d images, %d at once, each on CPUs of its own (%s)", len(images), jobs, cpuList(groups))
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := 0
	for i, image := range images {
		slot := <-slots // here, not in the goroutine: the images start in their order
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { slots <- slot }()
			var cpus *unix.CPUSet
			if groups != nil {
				cpus = groups[slot%len(groups)]
			}
			r := verifyOne(ctx, common, c, image, i, tmp, cpus)
			mu.Lock()
			defer mu.Unlock()
			done++
			results[i] = r
			fmt.Fprintf(stderr, "rebuild: batch [%d/%d] %s: %s%s (%.0fs)\n", done, len(images), image, r.Verdict, prefixed(": ", r.Cause), r.Seconds)
		}()
	}
	wg.Wait()
	for _, r := range results {
		if r.ID != "" {
			fmt.Fprintf(stdout, "%s %s\n", r.ID, r.Image)
		}
	}
	tw := tabwriter.NewWriter(stderr, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tVERDICT\tCAUSE\tTIME")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0fs\n", r.Image, r.Verdict, r.Cause, r.Seconds)
	}
	_ = tw.Flush()
	if c.report != "" {
		data, _ := json.MarshalIndent(struct {
			Images []batchResult `json:"images"`
		}{results}, "", "  ")
		if err := os.WriteFile(c.report, append(data, '\n'), 0o644); err != nil {
			return fail(stderr, fmt.Errorf("writing the report: %w", err))
		}
	}
	return batchExit(results)
}

// verifyOne runs `rebuild verify` on one image and reads how it ended.
func verifyOne(ctx context.Context, common []string, c config, image string, i int, tmp string, cpus *unix.CPUSet) batchResult {
	r := batchResult{Image: image}
	report := filepath.Join(tmp, fmt.Sprintf("%d.json", i))
	args := append([]string{"verify"}, common...)
	args = append(args, "--report", report)
	if c.attest != "" {
		args = append(args, "--attest-out", fmt.Sprintf("%s-%d.json", strings.TrimSuffix(c.attestOut, ".json"), i))
	}
	args = append(args, "--", image)
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	cmd := exec.CommandContext(ctx, self, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	if err = startOn(cmd, cpus); err == nil {
		err = cmd.Wait()
	}
	r.Seconds = time.Since(start).Seconds()
	r.Exit = cmd.ProcessState.ExitCode()
	if err != nil && r.Exit < 0 {
		r.Exit = exitBuildFailed
	}
	r.ID = strings.TrimSpace(out.String())
	rep := struct {
		Summary   string
		Identical bool
	}{Identical: true} // when no report was written
	if data, err := os.ReadFile(report); err == nil {
		r.Report = data
		if json.Unmarshal(data, &rep) == nil {
			r.Cause = rep.Summary
		}
	}
	switch r.Exit {
	case exitDone:
		r.Verdict = "identical"
		if !rep.Identical {
			r.Verdict = "equivalent, accepted"
		} else {
			r.Cause = ""
		}
	case exitDifferent:
		r.Verdict = "different"
	case exitEquivalent:
		r.Verdict = "equivalent"
	default:
		r.Verdict, r.Cause = "error", lastErrorLine(errOut.String())
	}
	return r
}

// childFlags are the flags given, to pass to each image's run, but for the batch's own.
func childFlags(fs *pflag.FlagSet, c config) []string {
	var out []string
	fs.Visit(func(f *pflag.Flag) {
		if !batchOnly[f.Name] {
			out = append(out, "--"+f.Name+"="+f.Value.String())
		}
	})
	for _, t := range c.expect.TrustedTasks {
		out = append(out, "--trusted-task="+t)
	}
	return out
}

// batchExit is the exit code of the whole: 0 all identical (or equivalent and accepted: the
// image's run then exits 0), 1 any different (or equivalent, not accepted), else the first
// error's, in the images' order.
func batchExit(results []batchResult) int {
	code := exitDone
	for _, r := range results {
		switch {
		case r.Verdict == "error":
			return r.Exit
		case r.Verdict == "different", r.Verdict == "equivalent":
			code = exitDifferent
		}
	}
	return code
}

func lastErrorLine(stderr string) string {
	sc := bufio.NewScanner(strings.NewReader(stderr))
	last := ""
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "rebuild: error: ") {
			last = strings.TrimPrefix(l, "rebuild: error: ")
		}
	}
	return last
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
