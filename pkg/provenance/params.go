package provenance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

func decodeParams(raw map[string]json.RawMessage) (Params, error) {
	params := make(Params, len(raw))
	for name, v := range raw {
		p, err := decodeParam(v)
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", name, err)
		}
		params[name] = p
	}
	return params, nil
}

// decodeParam reads a Tekton parameter value. Elements are checked to be JSON strings one by
// one because encoding/json would silently turn a null element into "".
func decodeParam(v json.RawMessage) (Param, error) {
	switch kindOf(v) {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return Param{}, err
		}
		return Param{Kind: KindString, String: s}, nil
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(v, &elems); err != nil {
			return Param{}, err
		}
		arr := make([]string, 0, len(elems))
		for i, e := range elems {
			s, err := jsonString(e)
			if err != nil {
				return Param{}, fmt.Errorf("element %d: %w", i, err)
			}
			arr = append(arr, s)
		}
		return Param{Kind: KindArray, Array: arr}, nil
	case '{':
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(v, &fields); err != nil {
			return Param{}, err
		}
		obj := make(map[string]string, len(fields))
		for k, e := range fields {
			s, err := jsonString(e)
			if err != nil {
				return Param{}, fmt.Errorf("key %q: %w", k, err)
			}
			obj[k] = s
		}
		return Param{Kind: KindObject, Object: obj}, nil
	}
	return Param{}, fmt.Errorf("unsupported value %s: want a string, an array of strings or an object of strings", abbreviate(v))
}

func jsonString(v json.RawMessage) (string, error) {
	if kindOf(v) != '"' {
		return "", fmt.Errorf("unsupported value %s: want a string", abbreviate(v))
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

func kindOf(v json.RawMessage) byte {
	v = bytes.TrimLeft(v, " \t\r\n")
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

// abbreviate keeps error messages to one short line whatever the input holds.
func abbreviate(v json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		b.Reset()
		b.Write(v)
	}
	s := strings.ToValidUTF8(b.String(), "?")
	if len(s) > 60 {
		s = strings.ToValidUTF8(s[:60], "") + "..."
	}
	return fmt.Sprintf("%q", s)
}

// format writes p as JSON (a string quoted, an array or object as JSON), for error messages.
func (p Param) format() string {
	var v any
	switch p.Kind {
	case KindString:
		v = p.String
	case KindArray:
		v = p.Array
	case KindObject:
		v = p.Object
	default:
		return fmt.Sprintf("<kind %d>", p.Kind)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (p Param) equal(q Param) bool {
	if p.Kind != q.Kind {
		return false
	}
	switch p.Kind {
	case KindString:
		return p.String == q.String
	case KindArray:
		return slices.Equal(p.Array, q.Array)
	case KindObject:
		return maps.Equal(p.Object, q.Object)
	}
	return false
}
