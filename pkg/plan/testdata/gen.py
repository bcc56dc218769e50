#!/usr/bin/env python3
"""Writes the provenance fixtures of pkg/plan's tests: SLSA v0.2 statements in the shape
Tekton Chains gives Konflux pipeline runs, one per buildah-oci-ta task version.

Each version's parameters are its task's defaults, read from konflux-ci/build-definitions
history (the last commit before the version's folder was deleted), overlaid by what the
docker-build-oci-ta pipeline passes. Run it from this folder with the repository's git
directory as the only argument:

    python3 gen.py /work/.mirror/konflux-ci+build-definitions/repo
"""
import base64, json, subprocess, sys
import yaml

GIT = sys.argv[1]
# version -> commit whose parent holds the version's last task definition
COMMITS = {
    "0.1": "04308637", "0.2": "04308637", "0.3": "04308637", "0.4": "4b23c64b",
    "0.5": "07eadb36", "0.6": "9cb751c0", "0.7": "3b717180", "0.8": "3fbad427",
}
URL = "https://github.com/example-org/app"
COMMIT = "5d4c3b2a190817263544f3e2d1c0b9a8f7e6d5c4"
TS = "1767225600"  # 2026-01-01T00:00:00Z
REPO = "quay.io/redhat-user-workloads/example-tenant/app"
CATALOG = "quay.io/konflux-ci/tekton-catalog/"


def h(c, n=64):
    return c * n


def task_yaml(task, version):
    c = COMMITS[version]
    out = subprocess.run(["git", "--git-dir", GIT, "show", f"{c}^:task/{task}/{version}/{task}.yaml"],
                         check=True, capture_output=True, text=True).stdout
    return yaml.safe_load(out)


def defaults(doc):
    params = {}
    for p in doc["spec"]["params"]:
        if "default" in p:
            params[p["name"]] = p["default"]
    return params


def build_image(doc):
    for s in doc["spec"]["steps"]:
        if s["name"] == "build":
            return s["image"]
    raise SystemExit("no build step")


def bundle_ref(name, bundle):
    return {"name": name, "kind": "Task", "resolver": "bundles",
            "params": [{"name": "kind", "value": "task"}, {"name": "name", "value": name},
                       {"name": "bundle", "value": CATALOG + bundle}]}


def step(container, image):
    return {"entryPoint": "#!/bin/bash\nset -e\n", "arguments": None,
            "environment": {"container": container, "image": "oci://" + image}, "annotations": None}


def clone_task():
    return {
        "name": "clone-repository", "after": ["init"],
        "ref": bundle_ref("git-clone-oci-ta", "task-git-clone-oci-ta:0.1@sha256:" + h("3")),
        "steps": [step("clone", "quay.io/konflux-ci/git-clone@sha256:" + h("4"))],
        "invocation": {"configSource": {}, "parameters": {
            "url": URL, "revision": COMMIT, "depth": "1", "submodules": "true", "fetchTags": "false",
            "sparseCheckoutDirectories": "", "enableSymlinkCheck": "true", "ociStorage": REPO + ":" + COMMIT + ".git"},
            "environment": {}},
        "results": [{"name": "commit", "type": "string", "value": COMMIT},
                    {"name": "commit-timestamp", "type": "string", "value": TS},
                    {"name": "url", "type": "string", "value": URL},
                    {"name": "SOURCE_ARTIFACT", "type": "string", "value": "oci:" + REPO + "@sha256:" + h("5")}],
    }


def build_task(name, task, version, params, digest, extra_results=()):
    doc = task_yaml(task, version)
    p = defaults(doc)
    p.update(params)
    results = [{"name": "IMAGE_DIGEST", "type": "string", "value": digest},
               {"name": "IMAGE_URL", "type": "string", "value": p.get("IMAGE", "")}]
    if version >= "0.2":
        results.append({"name": "SBOM_BLOB_URL", "type": "string", "value": REPO + "@sha256:" + h("7")})
    results += list(extra_results)
    return {
        "name": name, "after": ["clone-repository"],
        "ref": bundle_ref(task, f"task-{task}:{version}@sha256:" + h("6")),
        "steps": [step("use-trusted-artifact", "quay.io/konflux-ci/build-trusted-artifacts@sha256:" + h("8")),
                  step("build", build_image(doc)), step("push", build_image(doc))],
        "invocation": {"configSource": {}, "parameters": p, "environment": {}},
        "results": results,
    }


def pipeline_params(version, platform=None):
    """What docker-build-oci-ta passes to the build task, where the version has the parameter."""
    p = {"IMAGE": REPO + ":" + COMMIT, "DOCKERFILE": "Containerfile", "CONTEXT": ".",
         "COMMIT_SHA": COMMIT, "SOURCE_ARTIFACT": "oci:" + REPO + "@sha256:" + h("5"),
         "BUILD_ARGS": [], "HERMETIC": "false", "PREFETCH_INPUT": "", "IMAGE_EXPIRES_AFTER": ""}
    if version >= "0.4":
        p["SOURCE_URL"] = URL
    if platform:
        p["PLATFORM"] = platform
    return p


def statement(tasks, subjects, materials_commit=True):
    mats = [{"uri": "oci://quay.io/konflux-ci/buildah-task", "digest": {"sha256": h("9")}}]
    if materials_commit:
        mats.insert(0, {"uri": "git+" + URL, "digest": {"sha1": COMMIT}})
    return {
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": "https://slsa.dev/provenance/v0.2",
        "subject": [{"name": REPO, "digest": {"sha256": d}} for d in subjects],
        "predicate": {
            "builder": {"id": "https://tekton.dev/chains/v2"},
            "buildType": "tekton.dev/v1beta1/PipelineRun",
            "invocation": {"configSource": {}, "parameters": {"git-url": URL, "revision": COMMIT},
                           "environment": {"labels": {"tekton.dev/pipeline": "docker-build-oci-ta"}}},
            "buildConfig": {"tasks": tasks},
            "metadata": {"completeness": {"parameters": False, "environment": False, "materials": False},
                         "someFieldNoReaderKnows": {"nested": [1, 2, 3]}},
            "materials": mats,
        },
    }


def write(name, st, envelope=False):
    body = json.dumps(st, indent=2, sort_keys=True) + "\n"
    if envelope:
        payload = base64.b64encode(json.dumps(st, separators=(",", ":")).encode()).decode()
        body = json.dumps({"payloadType": "application/vnd.in-toto+json", "payload": payload,
                           "signatures": [{"keyid": "", "sig": base64.b64encode(b"not checked by plan").decode()}]}) + "\n"
    with open(name, "w") as f:
        f.write(body)


def init_task():
    return {"name": "init", "after": [], "ref": bundle_ref("init", "task-init:0.2@sha256:" + h("1")),
            "steps": [step("init", "quay.io/konflux-ci/konflux-test@sha256:" + h("2"))],
            "invocation": {"configSource": {}, "parameters": {"rebuild": "false"}, "environment": {}},
            "results": [{"name": "build", "type": "string", "value": "true"}]}


def main():
    digest = "sha256:" + h("a")
    for v in COMMITS:
        params = pipeline_params(v)
        if v == "0.8":
            params.update({"SOURCE_DATE_EPOCH": TS, "REWRITE_TIMESTAMP": "true",
                           "LABELS": ["release=1", "url=https://example.test/?a=b&c=d"],
                           "ANNOTATIONS": ["org.example.team=rebuild"]})
        st = statement([init_task(), clone_task(), build_task("build-container", "buildah-oci-ta", v, params, digest)], [h("a")])
        write(f"buildah-oci-ta-{v}.json", st, envelope=(v == "0.8"))

    # A pull request build: the image expires, and its tag names the pull request.
    pr = pipeline_params("0.8")
    pr.update({"IMAGE": REPO + ":on-pr-" + COMMIT, "IMAGE_EXPIRES_AFTER": "5d", "SOURCE_DATE_EPOCH": TS,
               "REWRITE_TIMESTAMP": "true", "ANNOTATIONS": ["pipelinesascode.tekton.dev/pull-request=42"]})
    write("pull-request-0.8.json", statement(
        [init_task(), clone_task(), build_task("build-container", "buildah-oci-ta", "0.8", pr, digest)], [h("a")]))

    # A multi-platform pipeline: build-images, one per PLATFORM, then build-image-index. The
    # same attestation names the index and every per-platform manifest.
    tasks = [init_task(), clone_task()]
    subjects = [h("c")]
    for plat, d in [("linux/x86_64", "d"), ("linux/arm64", "e")]:
        p = pipeline_params("0.8", plat)
        p.update({"SOURCE_DATE_EPOCH": TS, "REWRITE_TIMESTAMP": "true", "IMAGE_APPEND_PLATFORM": "true"})
        tasks.append(build_task("build-images", "buildah-remote-oci-ta", "0.8", p, "sha256:" + h(d)))
        subjects.append(h(d))
    tasks.append({"name": "build-image-index", "after": ["build-images"],
                  "ref": bundle_ref("build-image-index", "task-build-image-index:0.1@sha256:" + h("b")),
                  "steps": [step("build", "quay.io/konflux-ci/buildah-task@sha256:" + h("9"))],
                  "invocation": {"configSource": {}, "parameters": {
                      "IMAGE": REPO + ":" + COMMIT, "IMAGES": [REPO + "@sha256:" + h("d"), REPO + "@sha256:" + h("e")]},
                      "environment": {}},
                  "results": [{"name": "IMAGE_DIGEST", "type": "string", "value": "sha256:" + h("c")}]})
    write("multi-platform-0.8.json", statement(tasks, subjects))
    # The same pipeline's attestation as attached to the arm64 manifest alone.
    write("multi-platform-arm64-0.8.json", statement(tasks, [h("e")]))

    # A hermetic build with prefetched dependencies.
    hp = pipeline_params("0.8")
    hp.update({"HERMETIC": "true", "PREFETCH_INPUT": "gomod", "SOURCE_DATE_EPOCH": TS, "REWRITE_TIMESTAMP": "true"})
    write("hermetic-0.8.json", statement(
        [init_task(), clone_task(), build_task("build-container", "buildah-oci-ta", "0.8", hp, digest)], [h("a")]))

    # A provenance that lost its clone task and git material.
    gp = pipeline_params("0.8")
    gp.update({"SOURCE_DATE_EPOCH": TS, "REWRITE_TIMESTAMP": "true"})
    write("no-source-0.8.json", statement(
        [init_task(), build_task("build-container", "buildah-oci-ta", "0.8", gp, digest)], [h("a")], materials_commit=False))


main()
