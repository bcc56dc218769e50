package provenance

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestReadLenient reads the package's fixtures leniently: what Read refuses becomes gaps,
// and Strict is what Read returns.
func TestReadLenient(t *testing.T) {
	tests := []struct {
		file   string
		gaps   []string
		builds int
		task   string // Recipe.Task.Name
	}{
		{file: "statement-v02.json", builds: 1, task: "build-container"},
		{file: "envelope-v02.jsonl", builds: 1, task: "build-container"},
		{file: "agree.jsonl", builds: 1, task: "build-container"},
		{file: "statement-matrix.json", builds: 2, task: "build-images"},
		{file: "statement-no-clone.json", gaps: []string{FieldCloneTask}, builds: 1, task: "build-container"},
		{file: "statement-matrix-nomatch.json", gaps: []string{FieldBuildTask}, builds: 2},
		{file: "statement-bad-param.json", gaps: []string{FieldParam}, builds: 1, task: "build-container"},
		{file: "disagree.jsonl", gaps: []string{FieldEnvelopes}, builds: 1, task: "build-container"},
		{file: "statement-slsa1.json", builds: 1, task: "build-container"},
		{file: "statement-slsa1-v01.json", builds: 1, task: "build-container"},
		{file: "statement-slsa1-generic.json", gaps: []string{FieldPredicate, FieldCloneTask, FieldURL, FieldCommit, FieldBuildTask}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			l, err := ReadLenient(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, g := range l.Gaps {
				fields = append(fields, g.Field)
				if !errors.Is(g.Err, ErrInvalidInput) {
					t.Errorf("gap %s: %v does not match ErrInvalidInput", g.Field, g.Err)
				}
			}
			if !reflect.DeepEqual(fields, tc.gaps) {
				t.Errorf("gaps %v, want %v: %v", fields, tc.gaps, l.Gaps)
			}
			if len(l.Builds) != tc.builds || l.Recipe.Task.Name != tc.task {
				t.Errorf("%d builds, task %q; want %d, %q", len(l.Builds), l.Recipe.Task.Name, tc.builds, tc.task)
			}
			rec, strictErr := Read(bytes.NewReader(data))
			if (strictErr == nil) != (l.Strict == nil) || (strictErr != nil && strictErr.Error() != l.Strict.Error()) {
				t.Errorf("Strict = %v, Read returned %v", l.Strict, strictErr)
			}
			if rec != nil && (rec.Source.URL != l.Recipe.Source.URL || rec.Source.Commit != l.Recipe.Source.Commit ||
				!reflect.DeepEqual(rec.Task, l.Recipe.Task) || !reflect.DeepEqual(rec.Subjects, l.Recipe.Subjects)) {
				t.Errorf("lenient recipe\n%+v\nRead's\n%+v", l.Recipe, *rec)
			}
		})
	}
}

func TestReadLenientRefuses(t *testing.T) {
	for _, file := range []string{"bad-base64.jsonl", "wrong-payload-type.jsonl", "wrong-predicate-type.jsonl"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ReadLenient(bytes.NewReader(data)); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: error %v, want one matching ErrInvalidInput", file, err)
		}
	}
}

// FuzzReadLenient checks that no input panics the lenient reader, and that what it says of
// Read is what Read does.
func FuzzReadLenient(f *testing.F) {
	for _, name := range []string{"statement-v02.json", "statement-no-clone.json", "statement-matrix.json", "disagree.jsonl"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ReadLenient(bytes.NewReader(data))
		_, strictErr := Read(bytes.NewReader(data))
		if err != nil {
			if strictErr == nil {
				t.Fatalf("ReadLenient failed (%v) where Read did not", err)
			}
			return
		}
		if (l.Strict == nil) != (strictErr == nil) {
			t.Fatalf("Strict = %v, Read returned %v", l.Strict, strictErr)
		}
	})
}
