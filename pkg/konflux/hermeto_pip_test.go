package konflux

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestPipURLDownloads(t *testing.T) {
	h1, h2 := strings.Repeat("ab", 32), strings.Repeat("0C", 32)
	src := writeTree(t, map[string]string{
		"py/requirements.txt": "# pinned\n--require-hashes\nMy_Tool.Extra @ https://files.test/dl/my_tool-1.0.tar.gz \\\n    --hash=sha256:" + h1 + " --hash=sha256:" + h2 + "\n" +
			"wheelie[fast] @ https://files.test/w/wheelie-2.0-py3-none-any%2Bx.whl --hash sha256:" + h2 + "  # a wheel\n",
		"bad/requirements.txt":  "requests==2.32.0 --hash=sha256:" + h1 + "\n",
		"mark/requirements.txt": "tool @ https://files.test/tool.zip ; python_version > '3' --hash=sha256:" + h1 + "\n",
	})
	got, err := pipURLDownloads(src, PrefetchPackage{Type: "pip", Path: "py"})
	if err != nil {
		t.Fatal(err)
	}
	want := []LockedDownload{
		{URL: "https://files.test/dl/my_tool-1.0.tar.gz", Path: "pip/my-tool-extra-" + h1 + ".tar.gz", Checksum: "sha256:" + h1},
		{URL: "https://files.test/w/wheelie-2.0-py3-none-any%2Bx.whl", Path: "pip/wheelie-2.0-py3-none-any+x.whl", Checksum: "sha256:" + strings.ToLower(h2)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("downloads\n%+v\nwant\n%+v", got, want)
	}
	for _, dir := range []string{"bad", "mark"} {
		if _, err := pipURLDownloads(src, PrefetchPackage{Type: "pip", Path: dir}); !errors.Is(err, ErrCannotReplay) {
			t.Errorf("%s: %v, want a requirement that cannot be fetched again", dir, err)
		}
	}
}
