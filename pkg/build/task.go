package build

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Task holds the parameters of Konflux's buildah-oci-ta task (0.8) that shape the image.
type Task struct {
	Context, Dockerfile string
	BuildArgs           []string
	BuildArgsFile       string
	EnvVars             []string
	TargetStage         string
	Labels              []string
	Annotations         []string
	AnnotationsFile     string
	CommitSHA           string
	SourceURL           string
	ImageExpiresAfter   string
	Image               string
	SourceDateEpoch     string
	BuildTimestamp      string

	RewriteTimestamp       bool
	OmitHistory            bool
	SkipInjections         bool
	SkipUnusedStages       bool
	InheritBaseImageLabels bool
	ICMKeepCompatLocation  bool
	Squash                 bool
	Hermetic               bool
}

// DefaultTask returns the task's parameter defaults.
func DefaultTask() Task {
	return Task{
		Context:                ".",
		Dockerfile:             "./Dockerfile",
		SkipUnusedStages:       true,
		InheritBaseImageLabels: true,
		ICMKeepCompatLocation:  true,
	}
}

// buildTimestamp is the task's BUILD_TIMESTAMP after SOURCE_DATE_EPOCH overrides it, formatted
// as its labels and annotations carry it. With neither set the task used its wall clock.
func (t Task) buildTimestamp(now time.Time) (string, error) {
	ts := t.BuildTimestamp
	if t.SourceDateEpoch != "" {
		if t.BuildTimestamp != "" {
			return "", fmt.Errorf("both BUILD_TIMESTAMP and SOURCE_DATE_EPOCH are set")
		}
		ts = t.SourceDateEpoch
	}
	if ts == "" {
		return now.UTC().Format("2006-01-02T15:04:05Z"), nil
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", fmt.Errorf("timestamp %q is not a whole number of seconds", ts)
	}
	return time.Unix(sec, 0).UTC().Format("2006-01-02T15:04:05Z"), nil
}

// defaultLabels are the labels the task passes before the LABELS parameter's.
func (t Task) defaultLabels(arch, created string) []string {
	labels := []string{"architecture=" + arch, "vcs-type=git"}
	if t.CommitSHA != "" {
		labels = append(labels, "vcs-ref="+t.CommitSHA, "org.opencontainers.image.revision="+t.CommitSHA)
	}
	if t.SourceURL != "" {
		labels = append(labels, "org.opencontainers.image.source="+t.SourceURL)
	}
	if t.ImageExpiresAfter != "" {
		labels = append(labels, "quay.expires-after="+t.ImageExpiresAfter)
	}
	return append(labels, "build-date="+created, "org.opencontainers.image.created="+created)
}

// annotations are the task's annotations in its order: the file's, the parameter's, then its own.
func (t Task) annotations(fileLines []string, created string) []string {
	out := append([]string{}, fileLines...)
	out = append(out, t.Annotations...)
	if t.CommitSHA != "" {
		out = append(out, "org.opencontainers.image.revision="+t.CommitSHA)
	}
	if t.SourceURL != "" {
		out = append(out, "org.opencontainers.image.source="+t.SourceURL)
	}
	return append(out, "org.opencontainers.image.created="+created)
}

// annotationFileLines keeps the lines of an ANNOTATIONS_FILE the task keeps.
func annotationFileLines(data string) []string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSuffix(data, "\n"), "\n") {
		if line != "" && !strings.HasPrefix(strings.TrimLeft(line, " \t\r\v\f"), "#") {
			lines = append(lines, line)
		}
	}
	return lines
}
