package compare

import (
	"fmt"
	"io"
	"time"
)

// progressEvery is how often a layer read says how far it has come.
var progressEvery = 5 * time.Second

// progressReader tells w, every progressEvery, how many bytes of a layer have been read: a
// comparison of gigabyte layers would otherwise print nothing for minutes, with no terminal.
type progressReader struct {
	r           io.Reader
	w           io.Writer
	what        string
	n           int64
	start, last time.Time
}

func newProgressReader(r io.Reader, w io.Writer, what string) io.Reader {
	if w == nil {
		return r
	}
	now := time.Now()
	return &progressReader{r: r, w: w, what: what, start: now, last: now}
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if now := time.Now(); now.Sub(p.last) >= progressEvery {
		p.last = now
		fmt.Fprintf(p.w, "%s: %.1f MiB read (%s)\n", p.what, float64(p.n)/(1<<20), now.Sub(p.start).Round(time.Second))
	}
	return n, err
}
