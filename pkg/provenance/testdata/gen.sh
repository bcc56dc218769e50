#!/usr/bin/env bash
# Regenerates the derived test statements and the DSSE envelopes from statement-v02.json.
# Run from this directory: ./gen.sh
set -euo pipefail

base=statement-v02.json
sig=$(printf 'not a real signature' | base64 -w0)

# envelope FILE [PAYLOAD_TYPE]: one DSSE envelope line as cosign verify-attestation prints it.
envelope() {
	printf '{"payloadType":"%s","payload":"%s","signatures":[{"keyid":"","sig":"%s"}]}\n' \
		"${2:-application/vnd.in-toto+json}" "$(base64 -w0 <"$1")" "$sig"
}

derive() {
	jq "$2" "$base" >"$1"
}

derive statement-v1.json '._type = "https://in-toto.io/Statement/v1"'
derive statement-v02-two-subjects.json \
	'.subject += [{"name": "registry.example/org/app", "digest": {"sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}]'
derive statement-v02-build-args.json \
	'(.predicate.buildConfig.tasks[] | select(.name == "build-container") | .invocation.parameters.BUILD_ARGS) = ["VERSION=1.3"]'
derive statement-no-clone.json \
	'.predicate.buildConfig.tasks |= map(select(.name != "clone-repository"))'
derive statement-params.json \
	'(.predicate.buildConfig.tasks[] | select(.name == "build-container") | .invocation.parameters)
		+= {"BUILD_ARGS": ["VERSION=1.2", "EMPTY="], "ENV_VARS": [], "EXTRA": {"k": "v", "x": "y=z"}}'
derive statement-bad-param.json \
	'(.predicate.buildConfig.tasks[] | select(.name == "build-container") | .invocation.parameters.SQUASH) = false'

# A multi-platform matrix: the build task twice, for amd64 and arm64, same pipeline task name.
matrix='
	(.predicate.buildConfig.tasks | map(select(.name == "build-container")) | first) as $b
	| .predicate.buildConfig.tasks |= map(select(.name != "build-container"))
	| .predicate.buildConfig.tasks += [
		($b | .name = "build-images"
			| .invocation.parameters.PLATFORM = "linux/amd64"
			| .results[0].value = "sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"),
		($b | .name = "build-images"
			| .invocation.parameters.PLATFORM = "linux/arm64"
			| .results[0].value = "sha256:b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2")
	]'
derive statement-matrix.json "$matrix"'
	| .subject += [{"name": "registry.example/org/app", "digest": {"sha256": "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"}}]'
derive statement-matrix-nomatch.json "$matrix"

jq '.predicateType = "https://slsa.dev/provenance/v1" | .predicate = {"buildDefinition": {}, "runDetails": {}}' \
	"$base" >statement-slsa-v1.json

envelope "$base" >envelope-v02.jsonl
envelope statement-v1.json >envelope-v1.jsonl
{ envelope "$base"; envelope statement-v02-two-subjects.json; } >agree.jsonl
{ envelope "$base"; echo; envelope statement-v02-build-args.json; } >disagree.jsonl
jq '.predicateType = "https://slsa.dev/provenance/v0.1"' "$base" | envelope /dev/stdin >wrong-predicate-type.jsonl
envelope "$base" text/plain >wrong-payload-type.jsonl
{
	envelope "$base"
	printf '{"payloadType":"application/vnd.in-toto+json","payload":"eyJf!!!!","signatures":[{"keyid":"","sig":"%s"}]}\n' "$sig"
} >bad-base64.jsonl
