package konflux

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// shellSpecial are the characters a shell splits on, expands or interprets.
const shellSpecial = " \t\n$`\"'\\*?[]{}~;&|<>()#!"

// checkSSHQuoting refuses what a remote variant passed unquoted over ssh, for the VM's shell
// to split and expand again, when a value holds what that shell would change: how it came out
// is not recorded. PLATFORM localhost ran the script in the cluster, with no ssh.
func (s script) checkSSHQuoting(t Task) error {
	if !t.Remote || t.Platform == "localhost" || s.sshQuoting.applies(t.Started) {
		return nil
	}
	values := map[string][]string{"BUILD_ARGS": t.BuildArgs, "LABELS": t.Labels}
	for name, v := range map[string]string{"COMMIT_SHA": t.CommitSHA, "IMAGE_EXPIRES_AFTER": t.ImageExpiresAfter,
		"TARGET_STAGE": t.TargetStage, "CONTEXT": t.Context, "DOCKERFILE": t.Dockerfile, "BUILD_ARGS_FILE": t.BuildArgsFile} {
		values[name] = []string{v}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		for _, v := range values[name] {
			if strings.ContainsAny(v, shellSpecial) {
				return &Problem{KindBadParams, fmt.Sprintf("%s value %q: the remote task passed it unquoted over ssh (before %s), and the VM's shell split or expanded it: how is not recorded", name, v, s.sshQuoting.since.Format(time.RFC3339))}
			}
		}
	}
	return nil
}
