package compare

import (
	"archive/tar"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
)

// Equivalence is what carrying the published image's time values into the rebuilt image
// proves: with them (the config's and the history's created times, the build-time labels,
// labels.json's build-time values, each layer's tar header times), the rebuilt image's ID is
// the published one, or it is not.
type Equivalence struct {
	Equivalent bool      `json:"equivalent"`
	ID         string    `json:"id"`               // the rebuilt image's ID with the published time values
	Carried    []Carried `json:"carried"`          // each time value carried over
	Reason     string    `json:"reason,omitempty"` // why not, when not
	// TaskLayer: the published image's top layer, which the task committed after the build,
	// was added back with the time values; Equivalent then says the rebuild is the published
	// image but for that layer and the time values.
	TaskLayer bool `json:"taskLayer,omitempty"`
}

// Carried is one time value carried from the published image into the rebuilt one.
type Carried struct {
	Where     string `json:"where"` // "config created", "history[2].created", "label build-date", "layer 1 /etc: mtime"
	Published string `json:"published"`
	Rebuilt   string `json:"rebuilt"`
}

// buildTimeKeys are the labels (and labels.json keys, and annotations) whose value is the
// build's time.
var buildTimeKeys = []string{"build-date", "org.opencontainers.image.created"}

// carry carries pub's time values into reb and says whether that makes reb's ID pub's. It
// streams the layers that differ, as the comparison does, keeping no file content but that
// of a labels.json.
//
// With full, pub is full without the layer the task committed after the build: that layer's
// diff ID, history entry and created time are added back before the rebuilt config's digest
// is compared with full's ID.
func carry(ctx context.Context, pub, reb, full *side) (*Equivalence, error) {
	eq := &Equivalence{Carried: []Carried{}, TaskLayer: full != nil}
	diffIDs := map[string]string{}
	labelsCarried := false // a labels.json's build time was carried
	for i := range reb.layers {
		p, r := pub.config.RootFS.DiffIDs[i], reb.config.RootFS.DiffIDs[i]
		if p == r {
			continue
		}
		got, carried, why, err := carryLayer(ctx, pub, reb, i)
		if err != nil {
			return nil, err
		}
		switch {
		case why != "":
			eq.Reason = fmt.Sprintf("layer %d: %s", i, why)
			return eq, nil
		case got != p:
			eq.Reason = fmt.Sprintf("layer %d: with the published times its digest is %s, not the published %s", i, got, p)
			return eq, nil
		}
		eq.Carried = append(eq.Carried, carried...)
		diffIDs[r.String()] = p.String()
		for _, c := range carried {
			labelsCarried = labelsCarried || strings.Contains(c.Where, "labels.json ")
		}
	}
	pubRaw, err := pub.configBlob(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the published config: %w", err)
	}
	rebRaw, err := reb.configBlob(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the rebuilt config: %w", err)
	}
	cfg, carried, why := carryConfig(pubRaw, rebRaw, diffIDs, labelsCarried)
	eq.Carried = append(eq.Carried, carried...)
	target := pub
	if full != nil {
		target = full
		fullRaw, err := full.configBlob(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the published config: %w", err)
		}
		if cfg, err = withTaskLayer(cfg, fullRaw); err != nil {
			why = err.Error()
		}
	}
	eq.ID = digest.FromBytes(cfg).String()
	eq.Equivalent = why == "" && eq.ID == target.info.ID
	switch {
	case why != "":
		eq.Reason = why
	case !eq.Equivalent:
		eq.Reason = "with the published time values the config still differs"
	}
	if pa, ok := annotations(pub); ok {
		if ra, ok := annotations(reb); ok {
			eq.Carried = append(eq.Carried, carryValues("annotation ", pa, ra)...)
		}
	}
	return eq, nil
}

// carryLayer re-encodes layer i of reb with pub's tar header times (and labels.json's
// build-time values) and returns the digest of that tar; why says what else differs when
// the entries do not pair up.
func carryLayer(ctx context.Context, pub, reb *side, i int) (got digest.Digest, carried []Carried, why string, err error) {
	pr, err := openLayer(ctx, pub, i)
	if err != nil {
		return "", nil, "", err
	}
	defer pr.Close()
	rr, err := openLayer(ctx, reb, i)
	if err != nil {
		return "", nil, "", err
	}
	defer rr.Close()
	ptr, rtr := tar.NewReader(pr), tar.NewReader(rr)
	sum := sha256.New()
	tw := tar.NewWriter(sum)
	for n := 0; ; n++ {
		ph, perr := ptr.Next()
		rh, rerr := rtr.Next()
		if perr == io.EOF && rerr == io.EOF {
			break
		}
		switch {
		case perr == io.EOF || rerr == io.EOF:
			return "", nil, "one side has more tar entries", nil
		case perr != nil:
			return "", nil, "", fmt.Errorf("reading layer %d of the published image: %w", i, perr)
		case rerr != nil:
			return "", nil, "", fmt.Errorf("reading layer %d of the rebuilt image: %w", i, rerr)
		case ph.Name != rh.Name:
			return "", nil, fmt.Sprintf("tar entry %d is %s published, %s rebuilt", n, ph.Name, rh.Name), nil
		}
		where := fmt.Sprintf("layer %d /%s", i, cleanPath(rh.Name))
		h := carryTimes(rh, ph, where, &carried)
		if path.Base(rh.Name) == "labels.json" && rh.Typeflag == tar.TypeReg && ph.Typeflag == tar.TypeReg &&
			rh.Size <= maxLabelsJSON && ph.Size <= maxLabelsJSON {
			pc, perr := io.ReadAll(ptr)
			rc, rerr := io.ReadAll(rtr)
			if perr != nil || rerr != nil {
				return "", nil, "", fmt.Errorf("reading labels.json of layer %d: %w", i, cmpErr(perr, rerr))
			}
			content, c := carryLabelsJSON(pc, rc, where)
			carried = append(carried, c...)
			h.Size = int64(len(content))
			if err := tw.WriteHeader(h); err != nil {
				return "", nil, "", err
			}
			if _, err := tw.Write(content); err != nil {
				return "", nil, "", err
			}
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			return "", nil, "", err
		}
		if _, err := io.Copy(tw, rtr); err != nil {
			return "", nil, "", fmt.Errorf("reading layer %d of the rebuilt image: %w", i, err)
		}
	}
	if err := tw.Close(); err != nil {
		return "", nil, "", err
	}
	return digest.NewDigest(digest.SHA256, sum), carried, "", nil
}

// carryTimes returns a copy of rh with ph's times (the fields, the PAX records and the
// format they need), and adds each one that changes to carried.
func carryTimes(rh, ph *tar.Header, where string, carried *[]Carried) *tar.Header {
	h := *rh
	h.PAXRecords = maps.Clone(rh.PAXRecords)
	for _, t := range []struct {
		name     string
		dst      *time.Time
		pub, reb time.Time
	}{{"mtime", &h.ModTime, ph.ModTime, rh.ModTime}, {"atime", &h.AccessTime, ph.AccessTime, rh.AccessTime}, {"ctime", &h.ChangeTime, ph.ChangeTime, rh.ChangeTime}} {
		if !t.pub.Equal(t.reb) {
			*carried = append(*carried, Carried{Where: where + ": " + t.name, Published: timeText(t.pub), Rebuilt: timeText(t.reb)})
		}
		*t.dst = t.pub
		if v, ok := ph.PAXRecords[t.name]; ok {
			if h.PAXRecords == nil {
				h.PAXRecords = map[string]string{}
			}
			h.PAXRecords[t.name] = v
		} else {
			delete(h.PAXRecords, t.name)
		}
	}
	h.Format = ph.Format
	return &h
}

// carryLabelsJSON gives rc (the rebuilt labels.json) pc's build-time values when both are
// JSON objects of strings with the same keys; otherwise rc unchanged.
func carryLabelsJSON(pc, rc []byte, where string) ([]byte, []Carried) {
	var pub, reb map[string]string
	if json.Unmarshal(pc, &pub) != nil || json.Unmarshal(rc, &reb) != nil {
		return rc, nil
	}
	carried := carryValues(where+" ", pub, reb)
	out := rc
	for _, c := range carried {
		out = bytes.ReplaceAll(out, quoted(c.Rebuilt), quoted(c.Published))
	}
	return out, carried
}

// carryConfig gives the rebuilt config pub's created times and build-time labels, the
// published diff IDs of the layers carried, and, when a labels.json got its build time
// carried, the published digest of the content the task's COPY of it into buildinfo added
// (buildah's "COPY file:<hex> in /root/buildinfo/labels.json", a digest of that file alone:
// the layers, proven equal, hold no other change); why is set when one rebuilt value
// stands for two published ones.
func carryConfig(pubRaw, rebRaw []byte, diffIDs map[string]string, labelsCarried bool) (out []byte, carried []Carried, why string) {
	var pub, reb configTimes
	if json.Unmarshal(pubRaw, &pub) != nil || json.Unmarshal(rebRaw, &reb) != nil {
		return rebRaw, nil, "a config is not the JSON an image config is"
	}
	add := func(where, p, r string) {
		if p != r && isTime(p) && isTime(r) {
			carried = append(carried, Carried{Where: where, Published: p, Rebuilt: r})
		}
	}
	add("config created", pub.Created, reb.Created)
	if len(pub.History) == len(reb.History) {
		for i := range pub.History {
			ph, rh := pub.History[i], reb.History[i]
			add(fmt.Sprintf("history[%d].created", i), ph.Created, rh.Created)
			if labelsCarried && strings.Contains(rh.CreatedBy, "buildinfo") {
				carried = append(carried, addedDigests(fmt.Sprintf("history[%d].created_by", i), ph.CreatedBy, rh.CreatedBy)...)
			}
		}
	}
	carried = append(carried, carryValues("label ", pub.Config.Labels, reb.Config.Labels)...)
	to := map[string]string{}
	for _, c := range carried {
		if p, ok := to[c.Rebuilt]; ok && p != c.Published {
			return rebRaw, carried, fmt.Sprintf("the rebuilt time %s stands for two published ones, %s and %s", c.Rebuilt, p, c.Published)
		}
		to[c.Rebuilt] = c.Published
	}
	maps.Copy(to, diffIDs)
	out = rebRaw
	keys := slices.Collect(maps.Keys(to))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) }) // longest first
	for _, r := range keys {
		out = bytes.ReplaceAll(out, []byte(r), []byte(to[r]))
	}
	return out, carried, ""
}

// configTimes is the part of an image config that holds times.
type configTimes struct {
	Created string `json:"created"`
	History []struct {
		Created   string `json:"created"`
		CreatedBy string `json:"created_by"`
	} `json:"history"`
	Config struct {
		Labels map[string]string `json:"Labels"`
	} `json:"config"`
}

// addedDigest is how buildah's history names the content a COPY or ADD added.
var addedDigest = regexp.MustCompile(`\b(?:file|dir|multi):[0-9a-f]{64}\b`)

// addedDigests pairs the content digests of two created_by lines that differ in those
// alone, nil otherwise.
func addedDigests(where, pub, reb string) []Carried {
	p, r := addedDigest.FindAllString(pub, -1), addedDigest.FindAllString(reb, -1)
	if len(p) != len(r) || addedDigest.ReplaceAllString(pub, "") != addedDigest.ReplaceAllString(reb, "") {
		return nil
	}
	var out []Carried
	for i := range p {
		if p[i] != r[i] {
			out = append(out, Carried{Where: where + " content digest", Published: p[i], Rebuilt: r[i]})
		}
	}
	return out
}

// carryValues lists the build-time keys whose values differ, both times.
func carryValues(prefix string, pub, reb map[string]string) []Carried {
	var out []Carried
	for _, k := range buildTimeKeys {
		p, pok := pub[k]
		r, rok := reb[k]
		if pok && rok && p != r && isTime(p) && isTime(r) {
			out = append(out, Carried{Where: prefix + k, Published: p, Rebuilt: r})
		}
	}
	return out
}

// isTime reports whether s is a time as images and the Konflux task write them: RFC 3339,
// or without a zone as task 0.4 wrote build-date.
func isTime(s string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func quoted(s string) []byte {
	b, _ := json.Marshal(s) // a string always encodes
	return b
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
