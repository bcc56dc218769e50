package plan

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestDocumented checks docs/plan.md against the code: every finding code with its
// severity, and every JSON field of the plan.
func TestDocumented(t *testing.T) {
	data, err := os.ReadFile("../../docs/plan.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	rows := regexp.MustCompile(`(?m)^\| (PLAN\d{3}) \| (\w+) \|`).FindAllStringSubmatch(doc, -1)
	documented := map[Code]Severity{}
	for _, r := range rows {
		documented[Code(r[1])] = Severity(r[2])
	}
	if !reflect.DeepEqual(documented, severities) {
		t.Errorf("docs/plan.md lists codes\n%v\nthe code has\n%v", documented, severities)
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[Plan](), reflect.TypeFor[Source](), reflect.TypeFor[Epoch](),
		reflect.TypeFor[Containerfile](), reflect.TypeFor[Platform](), reflect.TypeFor[TaskRef](), reflect.TypeFor[Buildah](),
		reflect.TypeFor[Image](), reflect.TypeFor[Finding]()} {
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if !strings.Contains(doc, "`"+name+"`") {
				t.Errorf("docs/plan.md does not name %s's field %q", typ.Name(), name)
			}
		}
	}
}
