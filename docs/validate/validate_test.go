// Package validate checks the Tekton and Kubernetes examples of docs/examples with Tekton's own
// Go types and validation (tektoncd/pipeline) and Kubernetes' API types, strictly decoded: a
// module of its own, so that their dependencies stay out of rebuild's, which links buildah.
package validate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

// documents splits a YAML file into its documents.
func documents(t *testing.T, name string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) > 0 {
			out = append(out, doc)
		}
	}
	return out
}

func kindOf(t *testing.T, doc []byte) string {
	t.Helper()
	var meta struct{ Kind string }
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		t.Fatal(err)
	}
	return meta.Kind
}

// TestTekton decodes each Task and Pipeline of tekton.yaml strictly into Tekton's v1 types and
// runs Tekton's validation on it; the Pipeline's matrix must fan out the verify task over the
// images task's array result, and the verify task must give IMAGE_ID and VERDICT.
func TestTekton(t *testing.T) {
	ctx := context.Background()
	kinds := map[string]int{}
	for _, doc := range documents(t, "tekton.yaml") {
		kind := kindOf(t, doc)
		kinds[kind]++
		switch kind {
		case "Task":
			var task v1.Task
			if err := yaml.UnmarshalStrict(doc, &task); err != nil {
				t.Fatalf("Task: %v", err)
			}
			task.SetDefaults(ctx)
			if err := task.Validate(ctx); err != nil {
				t.Errorf("Task %s: %v", task.Name, err)
			}
			if task.Name == "rebuild-verify" {
				var results []string
				for _, r := range task.Spec.Results {
					results = append(results, r.Name)
				}
				if strings.Join(results, ",") != "IMAGE_ID,VERDICT" {
					t.Errorf("Task rebuild-verify: results %v, want IMAGE_ID and VERDICT", results)
				}
			}
		case "Pipeline":
			var p v1.Pipeline
			if err := yaml.UnmarshalStrict(doc, &p); err != nil {
				t.Fatalf("Pipeline: %v", err)
			}
			p.SetDefaults(ctx)
			if err := p.Validate(ctx); err != nil {
				t.Errorf("Pipeline %s: %v", p.Name, err)
			}
			found := false
			for _, pt := range p.Spec.Tasks {
				if pt.Matrix != nil && len(pt.Matrix.Params) == 1 && pt.Matrix.Params[0].Value.StringVal == "$(tasks.images.results.IMAGES[*])" {
					found = true
				}
			}
			if !found {
				t.Errorf("Pipeline %s: no task with a matrix over the images task's IMAGES result", p.Name)
			}
		default:
			t.Errorf("tekton.yaml: a %q document", kind)
		}
	}
	if kinds["Task"] != 2 || kinds["Pipeline"] != 1 {
		t.Errorf("tekton.yaml holds %v, want 2 Tasks and 1 Pipeline", kinds)
	}
}

// TestKubernetesJob decodes kubernetes-job.yaml strictly into Kubernetes' batch/v1 Job and
// checks what an Indexed Job of privileged rebuilds needs.
func TestKubernetesJob(t *testing.T) {
	docs := documents(t, "kubernetes-job.yaml")
	if len(docs) != 1 {
		t.Fatalf("%d documents, want 1", len(docs))
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(docs[0], &job); err != nil {
		t.Fatal(err)
	}
	spec := job.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion || spec.Completions == nil || spec.Parallelism == nil {
		t.Errorf("not an Indexed Job with completions and parallelism: %+v", spec)
	}
	if spec.BackoffLimitPerIndex != nil && spec.CompletionMode != nil && *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Error("backoffLimitPerIndex needs completionMode Indexed")
	}
	pod := spec.Template.Spec
	if pod.RestartPolicy != "Never" || len(pod.Containers) != 1 {
		t.Fatalf("pod: restartPolicy %q, %d containers", pod.RestartPolicy, len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.SecurityContext == nil || c.SecurityContext.Privileged == nil || !*c.SecurityContext.Privileged {
		t.Error("the rebuild container is not privileged")
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = true
		if v.Name == "storage" && v.EmptyDir == nil {
			t.Error("the storage at /mnt is not an emptyDir")
		}
	}
	for name, path := range mounts {
		if !volumes[name] {
			t.Errorf("volume mount %s (%s) has no volume", name, path)
		}
	}
	if mounts["storage"] != "/mnt" {
		t.Errorf("the storage is mounted at %q, want /mnt", mounts["storage"])
	}
	if !strings.Contains(strings.Join(c.Command, " "), "JOB_COMPLETION_INDEX") {
		t.Error("the command does not pick its image by JOB_COMPLETION_INDEX")
	}
}
