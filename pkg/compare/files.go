package compare

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
)

// diffLayers pairs the layers of both images by index and, for each pair whose diff IDs
// differ, lists the files that differ.
func diffLayers(ctx context.Context, pub, reb *side, opt Options) ([]LayerDiff, error) {
	out := []LayerDiff{}
	pd, rd := pub.config.RootFS.DiffIDs, reb.config.RootFS.DiffIDs
	for i := range max(len(pd), len(rd)) {
		if i < len(pd) && i < len(rd) && pd[i] == rd[i] {
			continue
		}
		ld := LayerDiff{Index: i, Files: []FileDiff{}, Causes: []string{}}
		if i < len(pd) {
			ld.Published = pd[i].String()
		}
		if i < len(rd) {
			ld.Rebuilt = rd[i].String()
		}
		d, err := diffLayerPair(ctx, pub, reb, i, opt.FilesPerLayer)
		if err != nil {
			return nil, err
		}
		ld.Files, ld.Omitted, ld.Causes = d.files, d.total-len(d.files), d.causes
		if d.total == 0 {
			ld.Causes, ld.Note = []string{CauseMetadata}, encodingOnly
		}
		if opt.DiffDir != "" && len(ld.Files) > 0 {
			if err := extractLayerPair(ctx, pub, reb, i, ld.Files, opt.DiffDir); err != nil {
				return nil, err
			}
		}
		out = append(out, ld)
	}
	return out, nil
}

// layerDiffer collects the differences of one layer pair: at most limit files listed, every
// difference counted and classified.
type layerDiffer struct {
	limit  int
	files  []FileDiff
	listed map[string]int // path -> index in files
	total  int
	causes []string
	pairs  []matched
}

// matched is a path present in both layers, with its position in each tar.
type matched struct {
	pub, reb int
	path     string
}

func (d *layerDiffer) add(f FileDiff) {
	d.total++
	d.causes = addCause(d.causes, f.Cause)
	if len(d.files) < d.limit {
		d.listed[f.Path] = len(d.files)
		d.files = append(d.files, f)
	}
}

func (d *layerDiffer) pair(path string, a, b *FileMeta) {
	d.pairs = append(d.pairs, matched{pub: a.Index, reb: b.Index, path: path})
	if kinds := metaKinds(a, b); len(kinds) > 0 {
		d.add(FileDiff{Path: "/" + path, Kinds: kinds, Cause: causeOf(kinds), Published: a, Rebuilt: b})
	}
}

// diffLayerPair reads layer i of both sides in lockstep. Entries at the same position with
// the same path are compared and dropped at once; the others wait in a map until their
// counterpart shows up, so memory follows the differences, not the layer's size.
func diffLayerPair(ctx context.Context, pub, reb *side, i, limit int) (*layerDiffer, error) {
	a, closeA, err := openStream(ctx, pub, i, func(_ string, data []byte) { pub.labelsRaw = data })
	if err != nil {
		return nil, err
	}
	defer closeA()
	b, closeB, err := openStream(ctx, reb, i, nil)
	if err != nil {
		return nil, err
	}
	defer closeB()
	d, err := diffStreams(a, b, limit)
	if err != nil {
		return nil, fmt.Errorf("layer %d: %w", i, err)
	}
	if err := d.markMoved(ctx, pub, reb, i); err != nil {
		return nil, err
	}
	sort.SliceStable(d.files, func(x, y int) bool { return fileOrder(d.files[x]) < fileOrder(d.files[y]) })
	return d, nil
}

// diffStreams compares two tar streams in lockstep (either may be nil: no such layer) and
// lists the paths only in one; moved paths are left to markMoved.
func diffStreams(a, b *tarStream, limit int) (*layerDiffer, error) {
	d := &layerDiffer{limit: limit, listed: map[string]int{}, causes: []string{}}
	pendA, pendB := map[string]*FileMeta{}, map[string]*FileMeta{}
	for {
		pa, ma, err := a.next()
		if err != nil {
			return nil, fmt.Errorf("reading the published layer: %w", err)
		}
		pb, mb, err := b.next()
		if err != nil {
			return nil, fmt.Errorf("reading the rebuilt layer: %w", err)
		}
		if ma == nil && mb == nil {
			break
		}
		if ma != nil && mb != nil && pa == pb {
			d.pair(pa, ma, mb)
			continue
		}
		if ma != nil {
			if m, ok := pendB[pa]; ok {
				delete(pendB, pa)
				d.pair(pa, ma, m)
			} else {
				pendA[pa] = ma
			}
		}
		if mb != nil {
			if m, ok := pendA[pb]; ok {
				delete(pendA, pb)
				d.pair(pb, m, mb)
			} else {
				pendB[pb] = mb
			}
		}
	}
	for _, p := range sortedByIndex(pendA) {
		d.add(FileDiff{Path: "/" + p, Kinds: []string{"only-published"}, Cause: CauseAddMissing, Published: pendA[p]})
	}
	for _, p := range sortedByIndex(pendB) {
		d.add(FileDiff{Path: "/" + p, Kinds: []string{"only-rebuilt"}, Cause: CauseAddMissing, Rebuilt: pendB[p]})
	}
	return d, nil
}

// fileOrder sorts files by their position in the published tar, rebuilt-only files last.
func fileOrder(f FileDiff) int {
	if f.Published != nil {
		return f.Published.Index
	}
	return 1<<31 + f.Rebuilt.Index
}

// markMoved flags the paths whose relative order differs between the tars: the matched
// pairs outside a longest run that keeps its order. A moved file with no other difference
// needs its metadata again: the layers are read a second time for those paths only.
func (d *layerDiffer) markMoved(ctx context.Context, pub, reb *side, i int) error {
	sort.Slice(d.pairs, func(x, y int) bool { return d.pairs[x].pub < d.pairs[y].pub })
	pos := make([]int, len(d.pairs))
	for k, p := range d.pairs {
		pos[k] = p.reb
	}
	if slices.IsSorted(pos) {
		return nil
	}
	keep := longestIncreasing(pos)
	want := map[string]bool{}
	for k, p := range d.pairs {
		if keep[k] {
			continue
		}
		if at, ok := d.listed["/"+p.path]; ok {
			f := &d.files[at]
			f.Kinds = append(f.Kinds, "order")
			f.Cause = causeOf(f.Kinds)
			continue
		}
		want[p.path] = true
	}
	d.pairs = nil
	if len(want) == 0 {
		return nil
	}
	metaA, err := collectMetas(ctx, pub, i, want)
	if err != nil {
		return err
	}
	metaB, err := collectMetas(ctx, reb, i, want)
	if err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		if a, b := metaA[p], metaB[p]; a != nil && b != nil {
			kinds := append(metaKinds(a, b), "order")
			d.add(FileDiff{Path: "/" + p, Kinds: kinds, Cause: causeOf(kinds), Published: a, Rebuilt: b})
		}
	}
	return nil
}

// collectMetas reads layer i of s again for the metadata of the paths in want.
func collectMetas(ctx context.Context, s *side, i int, want map[string]bool) (map[string]*FileMeta, error) {
	st, closeS, err := openStream(ctx, s, i, nil)
	if err != nil {
		return nil, err
	}
	defer closeS()
	out := map[string]*FileMeta{}
	for {
		p, m, err := st.next()
		if err != nil {
			return nil, layerError("", s, i, err)
		}
		if m == nil {
			return out, nil
		}
		if want[p] {
			out[p] = m
		}
	}
}

// openStream opens layer i of s as a tarStream; a side without that layer gives nil.
func openStream(ctx context.Context, s *side, i int, keep func(string, []byte)) (*tarStream, func(), error) {
	if i >= len(s.layers) {
		return nil, func() {}, nil
	}
	rc, err := openLayer(ctx, s, i)
	if err != nil {
		return nil, nil, err
	}
	return newTarStream(rc, keep), func() { _ = rc.Close() }, nil
}

func sortedByIndex(m map[string]*FileMeta) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Slice(keys, func(x, y int) bool { return m[keys[x]].Index < m[keys[y]].Index })
	return keys
}

// metaKinds names what differs between two entries for the same path.
func metaKinds(a, b *FileMeta) []string {
	var k []string
	if a.Type != b.Type {
		k = append(k, "type")
	}
	if a.Digest != b.Digest {
		k = append(k, "content")
	}
	if a.Size != b.Size {
		k = append(k, "size")
	}
	if a.Mode != b.Mode {
		k = append(k, "mode")
	}
	if a.UID != b.UID || a.GID != b.GID || a.Uname != b.Uname || a.Gname != b.Gname {
		k = append(k, "owner")
	}
	if !a.Mtime.Equal(b.Mtime) {
		k = append(k, "mtime")
	}
	if a.Link != b.Link {
		k = append(k, "link")
	}
	if !maps.Equal(a.Xattrs, b.Xattrs) {
		k = append(k, "xattrs")
	}
	return k
}

// kindCause is the cause class of each kind of file difference.
var kindCause = map[string]string{
	"only-published": CauseAddMissing, "only-rebuilt": CauseAddMissing,
	"content": CauseContent, "size": CauseContent,
	"type": CauseMetadata, "mode": CauseMetadata, "owner": CauseMetadata, "link": CauseMetadata, "xattrs": CauseMetadata,
	"mtime": CauseTimestamps, "order": CauseOrdering,
}

// causeOf is the most telling cause among a file's kinds of difference.
func causeOf(kinds []string) string {
	var causes []string
	for _, k := range kinds {
		causes = addCause(causes, kindCause[k])
	}
	best := causes[0]
	// ordering is less telling than a timestamp when both are present on one file.
	if best == CauseOrdering && len(causes) > 1 {
		best = causes[1]
	}
	return best
}

// longestIncreasing marks the indexes of one longest strictly increasing subsequence.
func longestIncreasing(x []int) map[int]bool {
	var tails []int // indexes into x
	prev := make([]int, len(x))
	for i, v := range x {
		j := sort.Search(len(tails), func(k int) bool { return x[tails[k]] >= v })
		prev[i] = -1
		if j > 0 {
			prev[i] = tails[j-1]
		}
		if j == len(tails) {
			tails = append(tails, i)
		} else {
			tails[j] = i
		}
	}
	keep := map[int]bool{}
	if len(tails) == 0 {
		return keep
	}
	for i := tails[len(tails)-1]; i >= 0; i = prev[i] {
		keep[i] = true
	}
	return keep
}

func layerError(name string, s *side, i int, err error) error {
	if name != "" {
		name += " "
	}
	return fmt.Errorf("reading %slayer %d (%s): %w", name, i, s.layers[i].Digest, err)
}

func newTarStream(r io.Reader, keep func(string, []byte)) *tarStream {
	return &tarStream{tr: tar.NewReader(r), keep: keep}
}
