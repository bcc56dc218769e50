package konflux

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Task holds the parameters of Konflux's build task that shape the image.
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
	Platform            string    // PLATFORM, as recorded ("" when none)
	Started             time.Time // when the TaskRun started (zero when not recorded)
	StepImage           string    // the build step's image, <repo>@sha256:<hex>
	StorageDriver       string    // STORAGE_DRIVER: the driver of the build's store ("" when not recorded)
	Remote              bool      // a -remote variant, which runs the build step on a VM (over ssh unless PLATFORM is localhost)
	WorkdirMount        string    // WORKINGDIR_MOUNT: where RUN steps see the context folder, as a volume
	YumReposDSrc        string    // YUM_REPOS_D_SRC: repository files kept in git ("" for repos.d)
	YumReposDTarget     string    // YUM_REPOS_D_TARGET: where they are mounted ("" for /etc/yum.repos.d)
	PrefetchInput       string    // PREFETCH_INPUT: what the prefetch task fetched, "" for none
	Cachi2Artifact      string    // CACHI2_ARTIFACT: the prefetch task's output, oci:<repo>@sha256:<blob>

	RewriteTimestamp       bool
	OmitHistory            bool
	SkipInjections         bool
	SkipUnusedStages       bool
	InheritBaseImageLabels bool
	ICMKeepCompatLocation  bool
	Squash                 bool
	Hermetic               bool
	ContextualizeSBOM      bool // CONTEXTUALIZE_SBOM
	SkipSBOMGeneration     bool // SKIP_SBOM_GENERATION

	recordedEpoch bool // SOURCE_DATE_EPOCH was a parameter of the task at all
}

// RecordsEpoch reports whether the task had a SOURCE_DATE_EPOCH parameter (older versions
// had none).
func (t Task) RecordsEpoch() bool { return t.recordedEpoch }

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
			return "", errors.New("both BUILD_TIMESTAMP and SOURCE_DATE_EPOCH are set")
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
