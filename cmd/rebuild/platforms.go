package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/rebuild-project/rebuild/pkg/rebuild"
)

// allPlatforms is the --platform value that rebuilds every platform's build.
const allPlatforms = "all"

// rebuildEveryPlatform rebuilds the build of each platform the attestation names, one after
// another, printing "ID PLATFORM" a line on stdout and, with --verify, a verdict each, then
// the index's (rebuild verify of the index) and a table. The outcome is as a batch's: nil when
// every one is identical, errNotIdentical when any is not, else the first error.
func rebuildEveryPlatform(ctx context.Context, cfg config, v verifier, job *rebuild.Job, stdout io.Writer, log *rebuild.Log) error {
	platforms := job.Platforms()
	v.skipIndex = true
	verdicts := make([]string, len(platforms))
	var first, differs error
	for i, p := range platforms {
		log.Phase("platform", "%s (%d of %d)", p, i+1, len(platforms))
		pj, err := job.ForPlatform(p)
		if err == nil {
			pv := v // each platform's report and summary in files of its own
			pv.cfg.report, pv.cfg.attestOut = perPlatform(v.cfg.report, p), perPlatform(v.cfg.attestOut, p)
			err = rebuildJob(ctx, cfg, pv, pj, func(id string) { fmt.Fprintf(stdout, "%s %s\n", id, p) }, log)
		}
		verdicts[i] = verdictOf(err, cfg.verify)
		switch {
		case errors.Is(err, errNotIdentical), errors.Is(err, errEquivalent):
			differs = cmp.Or(differs, err)
		case err != nil:
			log.Warn("%s: %v", p, err)
			first = cmp.Or(first, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	index := ""
	if cfg.verify && first == nil && cfg.expect.Image.Digest != "" && job.IsIndexOf(cfg.expect.Image) {
		v.skipIndex = false
		err := v.verifyIndex(ctx, job, log)
		index = verdictOf(err, true)
		switch {
		case errors.Is(err, rebuild.ErrIndexDiffers):
			differs = cmp.Or(differs, errNotIdentical)
		case err != nil:
			first = err
		}
	}
	tw := tabwriter.NewWriter(log.W, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "rebuild: PLATFORM\tVERDICT")
	for i, p := range platforms {
		fmt.Fprintf(tw, "rebuild: %s\t%s\n", p, verdicts[i])
	}
	if index != "" {
		fmt.Fprintf(tw, "rebuild: index\t%s\n", index)
	}
	_ = tw.Flush()
	return cmp.Or(first, differs)
}

func verdictOf(err error, verify bool) string {
	switch {
	case err == nil && verify:
		return "identical"
	case err == nil:
		return "built"
	case errors.Is(err, errEquivalent):
		return "equivalent"
	case errors.Is(err, errNotIdentical), errors.Is(err, rebuild.ErrIndexDiffers):
		return "different"
	}
	return fmt.Sprintf("error (exit %d)", exitCode(err))
}

// perPlatform names a platform's copy of file: report.json -> report-linux-arm64.json.
func perPlatform(file, platform string) string {
	if file == "" {
		return ""
	}
	ext := filepath.Ext(file)
	return strings.TrimSuffix(file, ext) + "-" + strings.ReplaceAll(platform, "/", "-") + ext
}
