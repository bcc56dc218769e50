package konflux

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestParseContainerfile(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		args      map[string]string
		wantBases []string
		wantFrom  []int
		wantLabel []KeyValue
		finalBase string
	}{
		{
			name:      "multi-stage to scratch",
			file:      "FROM registry.local/builder:latest AS build\nRUN true\nFROM scratch\nCOPY --from=build /out /\n",
			wantBases: []string{"registry.local/builder:latest", "scratch"},
			wantFrom:  []int{-1, -1},
		},
		{
			name:      "stage chain and labels",
			file:      "ARG BASE=registry.local/base:1\nFROM ${BASE} AS one\nLABEL a=b \"c d\"=\"e=f\"\nFROM one\nLABEL legacy value with spaces\n",
			wantBases: []string{"registry.local/base:1", "one"},
			wantFrom:  []int{-1, 0},
			wantLabel: []KeyValue{{"a", "b"}, {`"c d"`, `"e=f"`}, {"legacy", "value with spaces"}},
			finalBase: "registry.local/base:1",
		},
		{
			name:      "build arg overrides meta arg and expands labels",
			file:      "ARG BASE=registry.local/base:1\nFROM $BASE\nARG VERSION=0\nLABEL version=$VERSION release='${VERSION}-x'\n",
			args:      map[string]string{"BASE": "registry.local/base:2", "VERSION": "7"},
			wantBases: []string{"registry.local/base:2"},
			wantFrom:  []int{-1},
			wantLabel: []KeyValue{{"version", "$VERSION"}, {"release", "'${VERSION}-x'"}},
			finalBase: "registry.local/base:2",
		},
		{
			name:      "a pair naming global ARGs is swapped, up to the first that does not",
			file:      "ARG name=v\nARG NOVAL\nARG other\nFROM scratch\nLABEL name=name other=name name=name\nLABEL other=name x=y name=name\n",
			args:      map[string]string{"other": "o"},
			wantBases: []string{"scratch"},
			wantFrom:  []int{-1},
			wantLabel: []KeyValue{{"v", "v"}, {"o", "v"}, {"v", "v"}, {"o", "v"}, {"x", "y"}, {"name", "name"}},
		},
		{
			name:      "stage by index",
			file:      "FROM registry.local/a AS x\nFROM 0\n",
			wantBases: []string{"registry.local/a", "0"},
			wantFrom:  []int{-1, 0},
			finalBase: "registry.local/a",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf, err := ParseContainerfile(strings.NewReader(tt.file), tt.args)
			if err != nil {
				t.Fatal(err)
			}
			var bases []string
			var froms []int
			var labels []KeyValue
			for _, st := range cf.Stages {
				bases = append(bases, st.BaseName)
				froms = append(froms, st.FromStage)
				labels = append(labels, st.Labels...)
			}
			if !reflect.DeepEqual(bases, tt.wantBases) || !reflect.DeepEqual(froms, tt.wantFrom) {
				t.Errorf("bases %q from %v, want %q from %v", bases, froms, tt.wantBases, tt.wantFrom)
			}
			if !reflect.DeepEqual(labels, tt.wantLabel) {
				t.Errorf("labels %q, want %q", labels, tt.wantLabel)
			}
			if got := cf.FinalBase(); got != tt.finalBase {
				t.Errorf("FinalBase() = %q, want %q", got, tt.finalBase)
			}
		})
	}
}

func TestParseContainerfileErrors(t *testing.T) {
	for _, file := range []string{"", "# only a comment\n", "LABEL a=b\nFROM scratch\n", "FROM\n"} {
		if _, err := ParseContainerfile(strings.NewReader(file), nil); err == nil {
			t.Errorf("ParseContainerfile(%q) gave no error", file)
		}
	}
}

func TestParseContainerfilePlatformArgs(t *testing.T) {
	cf, err := ParseContainerfile(strings.NewReader("FROM registry.local/b:${TARGETARCH}\nARG TARGETOS\nLABEL os=$TARGETOS undeclared=x$BUILDARCH\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st := cf.Stages[0]
	if st.BaseName != "registry.local/b:"+runtime.GOARCH {
		t.Errorf("BaseName %q", st.BaseName)
	}
	want := []KeyValue{{"os", "$TARGETOS"}, {"undeclared", "x$BUILDARCH"}}
	if !reflect.DeepEqual(st.Labels, want) {
		t.Errorf("labels %q, want %q", st.Labels, want)
	}
}
