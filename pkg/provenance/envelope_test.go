package provenance

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
)

func TestReadEnvelopes(t *testing.T) {
	statement, err := os.ReadFile("testdata/statement-v02.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/disagree.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	envs, err := ReadEnvelopes(f)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, e := range envs {
		lines = append(lines, e.Line)
	}
	if want := []int{1, 3}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines = %v, want %v", lines, want)
	}
	e := envs[0]
	if e.PayloadType != InTotoPayloadType {
		t.Errorf("PayloadType = %q", e.PayloadType)
	}
	if !bytes.Equal(e.Payload, statement) {
		t.Error("payload of line 1 is not testdata/statement-v02.json")
	}
	if want := []Signature{{Sig: []byte("not a real signature")}}; !reflect.DeepEqual(e.Signatures, want) {
		t.Errorf("Signatures = %+v, want %+v", e.Signatures, want)
	}
	if !bytes.HasPrefix(e.Raw, []byte(`{"payloadType":`)) || !bytes.HasSuffix(e.Raw, []byte(`}]}`)) {
		t.Errorf("Raw = %.40s...", e.Raw)
	}
}

func TestBareStatementIsUnsigned(t *testing.T) {
	in := `{"_type":"https://in-toto.io/Statement/v1"}`
	envs, err := ReadEnvelopes(bytes.NewBufferString("\n\n  " + in + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Envelope{{Line: 3, PayloadType: InTotoPayloadType, Payload: []byte(in), Raw: []byte(in)}}
	if !reflect.DeepEqual(envs, want) {
		t.Errorf("ReadEnvelopes() = %+v, want %+v", envs, want)
	}
}

func TestPAE(t *testing.T) {
	tests := []struct {
		env  Envelope
		want string
	}{
		{Envelope{PayloadType: InTotoPayloadType, Payload: []byte("{}")}, "DSSEv1 28 application/vnd.in-toto+json 2 {}"},
		{Envelope{}, "DSSEv1 0  0 "},
		{Envelope{PayloadType: "t", Payload: []byte("héllo wörld")}, "DSSEv1 1 t 13 héllo wörld"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := string(tt.env.PAE()); got != tt.want {
				t.Errorf("PAE() = %q, want %q", got, tt.want)
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestReadEnvelopesLimits(t *testing.T) {
	_, err := ReadEnvelopes(zeros{})
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrInvalidInput) {
		t.Errorf("endless input: error = %v, want ErrTooLarge", err)
	}
	_, err = Read(failing{})
	if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, ErrInvalidInput) {
		t.Errorf("failing reader: error = %v, want io.ErrUnexpectedEOF and ErrInvalidInput", err)
	}
}

// TestReadBundles: a sigstore bundle is read as the DSSE envelope it holds, Raw the whole
// bundle; one that holds no envelope (a message signature) or a broken one is refused.
func TestReadBundles(t *testing.T) {
	env := `{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"keyid":"k","sig":"c2ln"}]}`
	b := `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"certificate":{}},"dsseEnvelope":` + env + `}`
	envs, err := ReadEnvelopes(bytes.NewBufferString(env + "\n" + b + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Envelope{
		{Line: 1, PayloadType: InTotoPayloadType, Payload: []byte("{}"), Signatures: []Signature{{KeyID: "k", Sig: []byte("sig")}}, Raw: []byte(env)},
		{Line: 2, PayloadType: InTotoPayloadType, Payload: []byte("{}"), Signatures: []Signature{{KeyID: "k", Sig: []byte("sig")}}, Raw: []byte(b), Bundle: true},
	}
	if !reflect.DeepEqual(envs, want) {
		t.Errorf("ReadEnvelopes() = %+v, want %+v", envs, want)
	}
	for name, in := range map[string]string{
		"message signature": `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","messageSignature":{}}`,
		"no payload type":   `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"_type":"x"}}`,
		"bad payload":       `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","dsseEnvelope":{"payloadType":"x","payload":"%%"}}`,
	} {
		if _, err := ReadEnvelopes(bytes.NewBufferString(in)); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
}
