package world

import (
	"strings"
	"time"
)

// prefetchEnvFiles are the env files the prefetch task leaves in /var/workdir/cachi2, by
// name, for a prefetch where pip set its variables (Hermeto's pip package manager) or no
// package manager set any. Task 0.2 runs `hermeto generate-env --format env` into
// cachi2.env alone. With envJSON, the task is 0.3.1 (build-definitions db7c3eea), which
// runs `konflux-build-cli prefetch-dependencies` with KBC_PD_ENV_FILES="cachi2.env
// prefetch.env prefetch-env.json": one `hermeto generate-env` each, the format from the
// suffix. Hermeto's generate_envfile (hermeto/core/extras/envfile.py) writes the env form as
// `export NAME=VALUE` lines and the JSON form as json.dumps of [{"name", "value"}] (Python's
// ", " and ": " separators); generate-env prints either to the file with a newline.
func prefetchEnvFiles(pip, envJSON bool) map[string]string {
	type envVar struct{ name, value string }
	var vars []envVar
	if pip {
		vars = []envVar{{"PIP_FIND_LINKS", "/cachi2/output/deps/pip"}, {"PIP_NO_INDEX", "true"}}
	}
	var env, js []string
	for _, v := range vars {
		env = append(env, "export "+v.name+"="+v.value) // shlex.quote leaves these as they are
		js = append(js, `{"name": "`+v.name+`", "value": "`+v.value+`"}`)
	}
	files := map[string]string{"cachi2.env": strings.Join(env, "\n") + "\n"}
	if envJSON {
		files["prefetch.env"] = files["cachi2.env"]
		files["prefetch-env.json"] = "[" + strings.Join(js, ", ") + "]\n"
	}
	return files
}

// recordedPrefetchTask is the prefetch-dependencies task as the predicate records it: 0.2
// (prefetchTask), or, when the prefetch wrote the JSON env file, 0.3 (its steps and parameter
// defaults as of build-definitions 8b397c8f, 0.3.2, which keeps 0.3.1's KBC_PD_ENV_FILES).
// The world records its one Hermeto image for the prefetch-dependencies step of either.
func recordedPrefetchTask(pre *Prefetched, at func(time.Duration) string) task {
	t := prefetchTask(pre, at)
	if !pre.EnvJSON {
		return t
	}
	t.Ref = bundleRef("prefetch-dependencies-oci-ta", "task-prefetch-dependencies-oci-ta:0.3@sha256:"+strings.Repeat("3", 64))
	t.Steps = []step{
		scriptStep("skip-ta", ubiMinimalImage, nil),
		scriptStep("use-trusted-artifact", trustedArtifacts, []string{"use", pre.SourceIn + "=/var/workdir/source"}),
		scriptStep("prefetch-dependencies", hermetoImage, nil),
		scriptStep("create-trusted-artifact", trustedArtifacts, []string{"create", "--store", pre.Store,
			"/tekton/results/SOURCE_ARTIFACT=/var/workdir/source", "/tekton/results/CACHI2_ARTIFACT=/var/workdir/cachi2"}),
	}
	t.Invocation.Parameters = map[string]string{
		"input": pre.Input, "SOURCE_ARTIFACT": pre.SourceIn, "ociStorage": pre.Store,
		"ACTIVATION_KEY": "activation-key", "caTrustConfigMapKey": "ca-bundle.crt", "caTrustConfigMapName": "trusted-ca",
		"SERVICE_CA_TRUST_CONFIG_MAP_KEY": "service-ca.crt", "SERVICE_CA_TRUST_CONFIG_MAP_NAME": "openshift-service-ca.crt",
		"config-file-content": "", "enable-package-registry-proxy": "true", "log-level": "debug", "mode": "strict",
		"ociArtifactExpiresAfter": "",
		"sbom-type":               "cyclonedx", // what the world's stand-in for Hermeto writes
	}
	return t
}
