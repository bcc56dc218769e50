#!/usr/bin/env bash
# Regenerates statement-slsa1*.json, SLSA v1 provenance as Tekton Chains (slsa/v2alpha4,
# buildType slsa-tekton) writes it for the pipeline run statement-v02.json records: each
# pipeline task's TaskRun, as JSON, is the base64 content of a "pipelineTask" resolved
# dependency; the explicit parameters are in its spec.params, the defaults in
# status.taskSpec.params, results and step image IDs in its status.
# Run from this directory: ./gen-slsa1.sh
set -euo pipefail

base=statement-v02.json
run=app-on-push-x7k2p

# taskrun: a v0.2 buildConfig task -> the TaskRun object Chains stores. Parameters named in
# $explicit are passed by the pipeline; the others keep the task's default. The defaults of
# explicit ones are the task's own (DOCKERFILE ./Dockerfile, CONTEXT .), not the values passed.
taskrun='
	def explicit: ["url", "revision", "IMAGE", "DOCKERFILE", "CONTEXT", "COMMIT_SHA", "BUILD_ARGS", "LABELS",
		"SOURCE_ARTIFACT", "SOURCE_DATE_EPOCH", "SOURCE_URL", "ociStorage"];
	def taskdefault($n; $v): {"DOCKERFILE": "./Dockerfile", "CONTEXT": "."}[$n] // (if ($v|type) == "array" then [] else "" end);
	. as $t
	| {
		apiVersion: "tekton.dev/v1",
		kind: "TaskRun",
		metadata: {
			name: ($run + "-" + $t.name),
			namespace: "app-tenant",
			labels: {
				"tekton.dev/pipeline": "docker-build-oci-ta",
				"tekton.dev/pipelineRun": $run,
				"tekton.dev/pipelineTask": $t.name,
				"tekton.dev/task": $t.ref.name
			}
		},
		spec: {
			params: [$t.invocation.parameters | to_entries[] | select(.key as $k | explicit | index($k)) | {name: .key, value: .value}],
			serviceAccountName: "build-pipeline-app",
			taskRef: {kind: "Task", params: $t.ref.params, resolver: $t.ref.resolver},
			timeout: "1h0m0s"
		},
		status: {
			completionTime: $t.finishedOn,
			conditions: [{type: "Succeeded", status: "True", reason: "Succeeded", message: "All Steps have completed executing"}],
			podName: ($run + "-" + $t.name + "-pod"),
			provenance: {
				featureFlags: {RunningInEnvWithInjectedSidecars: true, EnableAPIFields: "beta"},
				refSource: {
					uri: ("oci://" + ($t.ref.params[] | select(.name == "bundle") | .value | split("@")[0] | split(":")[0:-1] | join(":"))),
					digest: {sha256: ($t.ref.params[] | select(.name == "bundle") | .value | split("@sha256:")[1])},
					entryPoint: $t.ref.name
				}
			},
			results: [$t.results[] | {name, type, value}],
			startTime: $t.startedOn,
			steps: [$t.steps[] | .environment | {
				name: .container,
				container: ("step-" + .container),
				imageID: ((if .container == "build" then "docker-pullable://" else "" end) + (.image | ltrimstr("oci://"))),
				terminated: {exitCode: 0, reason: "Completed"}
			}],
			taskSpec: {
				params: [$t.invocation.parameters | to_entries[] | {
					name: .key,
					type: (if (.value|type) == "array" then "array" else "string" end),
					default: (if (.key as $k | explicit | index($k)) then taskdefault(.key; .value) else .value end)
				}],
				steps: [$t.steps[] | {name: .environment.container, image: (.environment.image | ltrimstr("oci://") | split("@")[0])}]
			}
		}
	}'

program='
	def taskrun: '"$taskrun"';
	. as $st
	| .predicate = {
		buildDefinition: {
			buildType: "https://tekton.dev/chains/v2/slsa-tekton",
			externalParameters: {
				runSpec: {
					pipelineRef: {resolver: "bundles", params: [
						{name: "name", value: "docker-build-oci-ta"},
						{name: "bundle", value: ("registry.example/konflux-ci/tekton-catalog/pipeline-docker-build-oci-ta@sha256:" + ("ab" * 32))},
						{name: "kind", value: "pipeline"}]},
					params: [$st.predicate.invocation.parameters | to_entries[] | {name: .key, value: .value}],
					taskRunTemplate: {serviceAccountName: "build-pipeline-app"},
					timeouts: {pipeline: "2h0m0s"}
				}
			},
			internalParameters: {
				labels: {"tekton.dev/pipeline": "docker-build-oci-ta"},
				annotations: {"pipelinesascode.tekton.dev/on-event": "push"}
			},
			resolvedDependencies: (
				[{name: "pipeline", uri: "oci://registry.example/konflux-ci/tekton-catalog/pipeline-docker-build-oci-ta", digest: {sha256: ("ab" * 32)}}]
				+ [$st.predicate.buildConfig.tasks[] | taskrun
					| {name: "pipelineTask", uri: .status.provenance.refSource.uri, digest: .status.provenance.refSource.digest,
						content: (tojson | @base64)}]
				+ [$st.predicate.materials[] | select(.uri | startswith("oci://")) | {uri, digest}]
				+ [$st.predicate.materials[] | select(.uri | startswith("git+")) | {name: "inputs/result", uri: (.uri + ".git"), digest}]
			)
		},
		runDetails: {
			builder: {id: "https://tekton.dev/chains/v2"},
			metadata: {invocationID: "5d1d0f4e-0000-4000-8000-000000000001",
				startedOn: $st.predicate.metadata.buildStartedOn, finishedOn: $st.predicate.metadata.buildFinishedOn},
			byproducts: [$st.predicate.buildConfig.tasks[] | .name as $n | .results[]
				| select(.name | test("IMAGE_(URL|DIGEST)$") | not)
				| {name: ("taskRunResults/" + $run + "-" + $n + "/" + .name), content: (.value | tojson | @base64), mediaType: "application/json"}]
		}
	}
	| ._type = "https://in-toto.io/Statement/v1"
	| .predicateType = "https://slsa.dev/provenance/v1"'

# derive NAME FILTER: a variant of statement-slsa1.json.
derive() {
	jq "$2" statement-slsa1.json >"$1"
}

jq --arg run "$run" "$program" "$base" >statement-slsa1.json
derive statement-slsa1-generic.json \
	'.predicate.buildDefinition.buildType = "https://tekton.dev/chains/v2/slsa"
	| .predicate.buildDefinition.resolvedDependencies |= map(del(.content))'

# The same SLSA v1 predicate in an in-toto v0.1 statement, as Chains also writes it.
sed 's#"_type": *"https://in-toto.io/Statement/v1"#"_type": "https://in-toto.io/Statement/v0.1"#' statement-slsa1.json >statement-slsa1-v01.json
