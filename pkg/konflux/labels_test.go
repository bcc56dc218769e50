package konflux

import "testing"

func TestLabelsJSON(t *testing.T) {
	tests := []struct {
		name  string
		base  map[string]string
		pairs []string
		want  string
	}{
		{
			name:  "first position kept, last value wins, value cut at its second '='",
			pairs: []string{"b=1", "a=2=3", "b=4", "c", ""},
			want:  "{\n  \"b\": \"4\",\n  \"a\": \"2\",\n  \"c\": \"\"\n}\n",
		},
		{
			name:  "base labels sorted first, then merged",
			base:  map[string]string{"z": "0", "b": "x"},
			pairs: []string{"b=4", "a=2"},
			want:  "{\n  \"b\": \"4\",\n  \"z\": \"0\",\n  \"a\": \"2\"\n}\n",
		},
		{
			name:  "escapes as jq",
			pairs: []string{"k=<&>é\x7f\x01\"\\/\t"},
			want:  "{\n  \"k\": \"<&>é\\u007f\\u0001\\\"\\\\/\\t\"\n}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(LabelsJSON(tt.base, tt.pairs)); got != tt.want {
				t.Errorf("LabelsJSON() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
