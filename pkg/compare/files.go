package compare

import (
	"context"
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
		var a, b *layerFiles
		var err error
		if i < len(pd) {
			ld.Published = pd[i].String()
			if a, err = indexLayer(ctx, pub, i); err != nil {
				return nil, err
			}
		}
		if i < len(rd) {
			ld.Rebuilt = rd[i].String()
			if b, err = indexLayer(ctx, reb, i); err != nil {
				return nil, err
			}
		}
		files := diffFiles(a, b)
		for _, f := range files {
			ld.Causes = addCause(ld.Causes, f.Cause)
		}
		if len(files) == 0 {
			ld.Causes, ld.Note = []string{CauseMetadata}, encodingOnly
		}
		if opt.DiffDir != "" && len(files) > 0 {
			if err := extractLayerPair(ctx, pub, reb, i, files, opt.DiffDir); err != nil {
				return nil, err
			}
		}
		if len(files) > opt.FilesPerLayer {
			ld.Omitted = len(files) - opt.FilesPerLayer
			files = files[:opt.FilesPerLayer]
		}
		ld.Files = files
		out = append(out, ld)
	}
	return out, nil
}

// diffFiles lists the paths that differ between two layer indexes (nil: no such layer), in
// the published layer's tar order, then the rebuilt-only paths in theirs.
func diffFiles(a, b *layerFiles) []FileDiff {
	if a == nil {
		a = &layerFiles{files: map[string]*FileMeta{}}
	}
	if b == nil {
		b = &layerFiles{files: map[string]*FileMeta{}}
	}
	moved := reordered(a, b)
	out := []FileDiff{}
	for _, p := range a.order {
		pm, rm := a.files[p], b.files[p]
		var kinds []string
		if rm == nil {
			kinds = []string{"only-published"}
		} else {
			kinds = metaKinds(pm, rm)
			if moved[p] {
				kinds = append(kinds, "order")
			}
		}
		if len(kinds) > 0 {
			out = append(out, FileDiff{Path: "/" + p, Kinds: kinds, Cause: causeOf(kinds), Published: pm, Rebuilt: rm})
		}
	}
	for _, p := range b.order {
		if _, ok := a.files[p]; !ok {
			out = append(out, FileDiff{Path: "/" + p, Kinds: []string{"only-rebuilt"}, Cause: CauseAddMissing, Rebuilt: b.files[p]})
		}
	}
	return out
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

// causeOf is the most telling cause among a file's kinds of difference.
func causeOf(kinds []string) string {
	rank := map[string]string{
		"only-published": CauseAddMissing, "only-rebuilt": CauseAddMissing,
		"content": CauseContent, "size": CauseContent,
		"type": CauseMetadata, "mode": CauseMetadata, "owner": CauseMetadata, "link": CauseMetadata, "xattrs": CauseMetadata,
		"mtime": CauseTimestamps, "order": CauseOrdering,
	}
	var causes []string
	for _, k := range kinds {
		causes = addCause(causes, rank[k])
	}
	best := causes[0]
	// ordering is less telling than a timestamp when both are present on one file.
	if best == CauseOrdering && len(causes) > 1 {
		best = causes[1]
	}
	return best
}

// reordered returns the paths common to both layers whose relative order differs: those
// outside a longest run that keeps its order.
func reordered(a, b *layerFiles) map[string]bool {
	var common []string
	for _, p := range a.order {
		if _, ok := b.files[p]; ok {
			common = append(common, p)
		}
	}
	pos := make([]int, len(common))
	for i, p := range common {
		pos[i] = b.files[p].Index
	}
	if slices.IsSorted(pos) {
		return nil
	}
	keep := longestIncreasing(pos)
	moved := map[string]bool{}
	for i, p := range common {
		if !keep[i] {
			moved[p] = true
		}
	}
	return moved
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
