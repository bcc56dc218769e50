package provenance

import (
	"encoding/json"
	"fmt"
	"strings"
)

// SLSA v1 provenance as Tekton Chains writes it (formats slsa/v2alpha3 and slsa/v2alpha4).
const (
	PredicateSLSAV1 = "https://slsa.dev/provenance/v1"
	// BuildTypeTekton is Chains' verbose buildType: each "pipelineTask" resolved dependency
	// carries its TaskRun (parameters, results, step images) as content.
	BuildTypeTekton = "https://tekton.dev/chains/v2/slsa-tekton"
	// BuildTypeSLSA is Chains' default buildType: it records no per-task parameters.
	BuildTypeSLSA = "https://tekton.dev/chains/v2/slsa"
)

const pipelineTaskDependency = "pipelineTask"

type v1Predicate struct {
	BuildDefinition struct {
		BuildType            string         `json:"buildType"`
		InternalParameters   Run            `json:"internalParameters"` // slsa-tekton: the PipelineRun's labels and annotations
		ResolvedDependencies []v1Descriptor `json:"resolvedDependencies"`
	} `json:"buildDefinition"`
	RunDetails struct {
		Builder struct {
			ID string `json:"id"`
		} `json:"builder"`
		Metadata struct {
			InvocationID string `json:"invocationID"`
			StartedOn    string `json:"startedOn"`
			FinishedOn   string `json:"finishedOn"`
		} `json:"metadata"`
	} `json:"runDetails"`
}

// v1Descriptor is an in-toto ResourceDescriptor; content is base64 in its JSON form.
type v1Descriptor struct {
	Name    string            `json:"name"`
	URI     string            `json:"uri"`
	Digest  map[string]string `json:"digest"`
	Content []byte            `json:"content"`
}

// taskRun is the part of a Tekton TaskRun object a recipe needs.
type taskRun struct {
	Metadata struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		Params []struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"params"`
		TaskRef struct {
			Name   string `json:"name"`
			Bundle string `json:"bundle"`
			Params []struct {
				Name  string          `json:"name"`
				Value json.RawMessage `json:"value"`
			} `json:"params"`
		} `json:"taskRef"`
	} `json:"spec"`
	Status struct {
		StartTime string `json:"startTime"`
		TaskSpec  struct {
			Params []struct {
				Name    string          `json:"name"`
				Default json.RawMessage `json:"default"`
			} `json:"params"`
		} `json:"taskSpec"`
		Steps []struct {
			Name    string `json:"name"`
			ImageID string `json:"imageID"`
		} `json:"steps"`
		Results []struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		} `json:"results"`
	} `json:"status"`
}

// decodeSLSAV1 reads Chains' SLSA v1 predicate into the v0.2 shapes (tasks and materials),
// so that the clone and build tasks are picked and read by the same code as for v0.2.
func decodeSLSAV1(subjects []Subject, raw json.RawMessage) (*Recipe, error) {
	v02, err := v1AsV02(raw)
	if err != nil {
		return nil, err
	}
	return v02.recipe(subjects)
}

// v1AsV02 turns Chains' SLSA v1 predicate into what its v0.2 format records of the same
// pipeline run: the tasks, from the pipelineTask dependencies, and the other dependencies as
// materials.
func v1AsV02(raw json.RawMessage) (*v02Predicate, error) {
	var pred v1Predicate
	if err := unmarshal(raw, &pred); err != nil {
		return nil, err
	}
	bt := pred.BuildDefinition.BuildType
	if bt != BuildTypeTekton && bt != BuildTypeSLSA {
		return nil, newError(ErrUnsupported, "unsupported buildType %q (want %q)", bt, BuildTypeTekton)
	}
	v02 := &v02Predicate{BuildType: bt}
	v02.Builder.ID = pred.RunDetails.Builder.ID
	v02.Invocation.Environment = pred.BuildDefinition.InternalParameters
	m := pred.RunDetails.Metadata
	v02.Metadata.InvocationID, v02.Metadata.BuildStartedOn, v02.Metadata.BuildFinishedOn = m.InvocationID, m.StartedOn, m.FinishedOn
	for i, d := range pred.BuildDefinition.ResolvedDependencies {
		if d.Name == pipelineTaskDependency && len(d.Content) > 0 {
			t, err := v02TaskFromTaskRun(d.Content)
			if err != nil {
				return nil, fmt.Errorf("buildDefinition.resolvedDependencies[%d] (pipelineTask): %w", i, err)
			}
			v02.BuildConfig.Tasks = append(v02.BuildConfig.Tasks, t)
			continue
		}
		if d.URI != "" {
			v02.Materials = append(v02.Materials, struct {
				URI    string            `json:"uri"`
				Digest map[string]string `json:"digest"`
			}{d.URI, d.Digest})
		}
	}
	if len(v02.BuildConfig.Tasks) == 0 {
		if bt == BuildTypeSLSA {
			return nil, newError(ErrMissing, "buildType %q records no task parameters: a rebuild needs %q, whose pipelineTask dependencies carry each TaskRun", bt, BuildTypeTekton)
		}
		return nil, newError(ErrMissing, "no pipelineTask with content in buildDefinition.resolvedDependencies")
	}
	return v02, nil
}

// v02TaskFromTaskRun turns a TaskRun into what Chains' v0.2 format records of it: the
// pipeline task name, the task ref, the parameters (defaults overlaid by explicit values),
// the steps' images and the results.
func v02TaskFromTaskRun(content []byte) (v02Task, error) {
	var tr taskRun
	if err := unmarshal(content, &tr); err != nil {
		return v02Task{}, fmt.Errorf("decoding TaskRun: %w", err)
	}
	var t v02Task
	t.Name = tr.Metadata.Labels["tekton.dev/pipelineTask"]
	if t.Name == "" {
		t.Name = tr.Metadata.Name
	}
	t.StartedOn = tr.Status.StartTime
	t.Ref.Name = tr.Spec.TaskRef.Name
	t.Ref.Bundle = tr.Spec.TaskRef.Bundle
	for _, p := range tr.Spec.TaskRef.Params {
		t.Ref.Params = append(t.Ref.Params, struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		}{p.Name, p.Value})
	}
	params := map[string]json.RawMessage{}
	for _, p := range tr.Status.TaskSpec.Params {
		if len(p.Default) > 0 && string(p.Default) != "null" {
			params[p.Name] = p.Default
		}
	}
	for _, p := range tr.Spec.Params {
		params[p.Name] = p.Value
	}
	t.Invocation.Parameters = params
	for _, s := range tr.Status.Steps {
		var step struct {
			Environment struct {
				Container string `json:"container"`
				Image     string `json:"image"`
			} `json:"environment"`
		}
		step.Environment.Container = s.Name
		if s.ImageID != "" {
			step.Environment.Image = "oci://" + strings.TrimPrefix(s.ImageID, "docker-pullable://")
		}
		t.Steps = append(t.Steps, step)
	}
	for _, r := range tr.Status.Results {
		t.Results = append(t.Results, struct {
			Name  string          `json:"name"`
			Value json.RawMessage `json:"value"`
		}{r.Name, r.Value})
	}
	return t, nil
}
