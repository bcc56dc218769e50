package compare

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// CauseTaskLayer is a layer the build task committed onto the built image after the build.
const CauseTaskLayer = "task-layer"

// TaskLayer is a layer the build task committed onto the built image after the build, in a
// step of its own, which no rebuild makes: the published image's top layer, when it adds
// nothing but Paths, is set aside and the rest compared.
type TaskLayer struct {
	What  string   // what it holds, for the explanation
	Paths []string // the files it may add (and the folders above them), without a leading "/"
}

// setAsideTaskLayer sets tl aside from pub when pub has one layer more than reb and its top
// layer adds nothing but tl's paths: built is pub as the build left it and aside that layer;
// both nil when nothing was set aside.
func setAsideTaskLayer(ctx context.Context, pub, reb *side, tl *TaskLayer) (built *side, aside *LayerDiff, err error) {
	if tl == nil || len(pub.layers) != len(reb.layers)+1 {
		return nil, nil, nil
	}
	ld, built, ok, err := setAside(ctx, pub, tl)
	if err != nil || !ok {
		return nil, nil, err
	}
	return built, &ld, nil
}

// setAside checks that pub's top layer adds nothing but tl's paths and returns its entries as a
// LayerDiff and pub without it: the image the build made, as far as the published one tells
// (its config without the last diff ID and history entry, created from the history entry
// before). ok is false when the layer holds anything else.
func setAside(ctx context.Context, pub *side, tl *TaskLayer) (ld LayerDiff, built *side, ok bool, err error) {
	top := len(pub.layers) - 1
	ld = LayerDiff{Index: top, Published: pub.config.RootFS.DiffIDs[top].String(), Files: []FileDiff{}, Causes: []string{CauseTaskLayer}, Note: tl.What}
	rc, err := openLayer(ctx, pub, top)
	if err != nil {
		return ld, nil, false, err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for i := 0; ; i++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ld, nil, false, fmt.Errorf("reading layer %d: %w", top, err)
		}
		name := cleanPath(h.Name)
		if !allowedIn(name, h.Typeflag == tar.TypeDir, tl.Paths) {
			return ld, nil, false, nil
		}
		ld.Files = append(ld.Files, FileDiff{Path: "/" + name, Kinds: []string{"only-published"}, Cause: CauseTaskLayer, Published: metaOf(h, i)})
	}
	built, err = pub.withoutTop(ctx)
	return ld, built, err == nil, err
}

// allowedIn reports whether name is one of paths or, for a folder, above one.
func allowedIn(name string, dir bool, paths []string) bool {
	for _, p := range paths {
		if name == p || dir && strings.HasPrefix(p, name+"/") {
			return true
		}
	}
	return false
}

// withoutTop is s without its top layer: what the image was before the task committed it.
func (s *side) withoutTop(ctx context.Context) (*side, error) {
	raw, err := s.configBlob(ctx)
	if err != nil {
		return nil, err
	}
	var cfg imgspecv1.Image
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("reading the published config: %w", err)
	}
	n := len(s.layers) - 1
	cfg.RootFS.DiffIDs = cfg.RootFS.DiffIDs[:n]
	if len(cfg.History) > 0 {
		cfg.History = cfg.History[:len(cfg.History)-1]
	}
	if len(cfg.History) > 0 {
		cfg.Created = cfg.History[len(cfg.History)-1].Created
	}
	built := *s
	built.layers, built.config = s.layers[:n], &cfg
	if built.configRaw, err = json.Marshal(cfg); err != nil {
		return nil, err
	}
	built.info.DiffIDs = slices.Clone(s.info.DiffIDs[:n])
	built.info.ID = digest.FromBytes(built.configRaw).String()
	return &built, nil
}

// configBlob is the config as the image stores it (or, for an image set aside from another,
// as made from it).
func (s *side) configBlob(ctx context.Context) ([]byte, error) {
	if s.configRaw != nil {
		return s.configRaw, nil
	}
	return s.img.ConfigBlob(ctx)
}

// withTaskLayer adds back to a rebuilt config (buildah's JSON, as carryConfig leaves it)
// what the task's commit added to the published one: its last diff ID and history entry, and
// its created time.
func withTaskLayer(rebuilt, published []byte) ([]byte, error) {
	var pub struct {
		Created string `json:"created"`
		RootFS  struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
		History []json.RawMessage `json:"history"`
	}
	var reb struct {
		Created string `json:"created"`
	}
	if json.Unmarshal(published, &pub) != nil || json.Unmarshal(rebuilt, &reb) != nil || len(pub.RootFS.DiffIDs) == 0 || len(pub.History) == 0 {
		return nil, errors.New("a config is not the JSON an image config is")
	}
	out := bytes.Replace(rebuilt, quotedField("created", reb.Created), quotedField("created", pub.Created), 1)
	out, ok := appendToArray(out, `"diff_ids":[`, quoted(pub.RootFS.DiffIDs[len(pub.RootFS.DiffIDs)-1]))
	if !ok {
		return nil, errors.New("the rebuilt config has no diff_ids")
	}
	if out, ok = appendToArray(out, `"history":[`, pub.History[len(pub.History)-1]); !ok {
		return nil, errors.New("the rebuilt config has no history")
	}
	return out, nil
}

func quotedField(name, value string) []byte {
	return append(append(quoted(name), ':'), quoted(value)...)
}

// appendToArray appends elem to the JSON array that starts with open in doc.
func appendToArray(doc []byte, open string, elem []byte) ([]byte, bool) {
	start := bytes.Index(doc, []byte(open))
	if start < 0 {
		return doc, false
	}
	at := start + len(open) - 1 // the "["
	var raw json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(doc[at:]))
	if dec.Decode(&raw) != nil {
		return doc, false
	}
	end := at + int(dec.InputOffset()) - 1 // the "]"
	var sep []byte
	if len(bytes.TrimSpace(raw[1:len(raw)-1])) > 0 {
		sep = []byte(",")
	}
	out := append(slices.Clip(doc[:end]), sep...)
	out = append(out, elem...)
	return append(out, doc[end:]...), true
}
