package wire

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/snbench/snbench/workloads"
)

// AppendTasks appends a Tasks frame holding b to dst.
func AppendTasks(dst []byte, b *workloads.Batch) []byte {
	n, k := len(b.IDs), b.K
	if n == 0 {
		k = 0
	}
	size := TasksFrameSize(n, k)
	dst, f := grow(dst, size)
	Header{Version: Version, Type: TypeTasks, Count: uint32(n), Aux: uint32(k), Length: uint32(size - HeaderSize)}.Put(f)
	binary.LittleEndian.PutUint64(f[16:], b.Tag)
	putRows(f[24:], b.IDs, b.Values, k)
	return dst
}

// TasksFrameSize is the bytes of a Tasks frame of n tasks of k values
// each, as AppendTasks writes it.
func TasksFrameSize(n, k int) int {
	if n == 0 {
		k = 0
	}
	return HeaderSize + 8 + n*(8+8*k)
}

// AppendResults appends a Results frame holding r to dst.
func AppendResults(dst []byte, r *workloads.Result) []byte {
	n, k := len(r.IDs), r.K
	if n == 0 {
		k = 0
	}
	body := 16 + n*(8+8*k)
	dst, f := grow(dst, HeaderSize+body)
	Header{Version: Version, Type: TypeResults, Count: uint32(n), Aux: uint32(k), Length: uint32(body)}.Put(f)
	binary.LittleEndian.PutUint64(f[16:], r.Tag)
	binary.LittleEndian.PutUint64(f[24:], uint64(r.Service))
	putRows(f[32:], r.IDs, r.Values, k)
	return dst
}

// AppendControl appends a frame of type t with body as its body (JSON or
// text; empty for StatsRequest and Bye).
func AppendControl(dst []byte, t Type, body []byte) []byte {
	dst, f := grow(dst, HeaderSize+len(body))
	Header{Version: Version, Type: t, Length: uint32(len(body))}.Put(f)
	copy(f[HeaderSize:], body)
	return dst
}

// DecodeTasks decodes the body of a Tasks frame into b, reusing b's slices.
// The header must come from ParseHeader, which checked the length.
func DecodeTasks(h Header, body []byte, b *workloads.Batch) error {
	if h.Type != TypeTasks {
		return fmt.Errorf("%w: want a tasks frame, got %s", ErrMalformed, h.Type)
	}
	if want, _ := h.wantLength(); uint64(len(body)) != want {
		return fmt.Errorf("%w: tasks body is %d bytes, want %d", ErrMalformed, len(body), want)
	}
	b.Tag = binary.LittleEndian.Uint64(body)
	b.Resize(int(h.Count), int(h.Aux))
	getRows(body[8:], b.IDs, b.Values, int(h.Aux))
	return nil
}

// DecodeResults decodes the body of a Results frame into r, reusing r's
// slices.
func DecodeResults(h Header, body []byte, r *workloads.Result) error {
	if h.Type != TypeResults {
		return fmt.Errorf("%w: want a results frame, got %s", ErrMalformed, h.Type)
	}
	if want, _ := h.wantLength(); uint64(len(body)) != want {
		return fmt.Errorf("%w: results body is %d bytes, want %d", ErrMalformed, len(body), want)
	}
	r.Tag = binary.LittleEndian.Uint64(body)
	svc := binary.LittleEndian.Uint64(body[8:])
	if svc > math.MaxInt64 {
		return fmt.Errorf("%w: negative service time", ErrMalformed)
	}
	r.Service = time.Duration(svc)
	r.Resize(int(h.Count), int(h.Aux))
	getRows(body[16:], r.IDs, r.Values, int(h.Aux))
	return nil
}

func putRows(f []byte, ids []uint64, vals []int64, k int) {
	off := 0
	for i, id := range ids {
		binary.LittleEndian.PutUint64(f[off:], id)
		off += 8
		for _, v := range vals[i*k : (i+1)*k] {
			binary.LittleEndian.PutUint64(f[off:], uint64(v))
			off += 8
		}
	}
}

func getRows(f []byte, ids []uint64, vals []int64, k int) {
	off := 0
	for i := range ids {
		ids[i] = binary.LittleEndian.Uint64(f[off:])
		off += 8
		row := vals[i*k : (i+1)*k]
		for j := range row {
			row[j] = int64(binary.LittleEndian.Uint64(f[off:]))
			off += 8
		}
	}
}

// grow extends dst by n bytes and returns it with the new n-byte tail.
func grow(dst []byte, n int) ([]byte, []byte) {
	l := len(dst)
	if cap(dst)-l < n {
		nd := make([]byte, l, 2*cap(dst)+n)
		copy(nd, dst)
		dst = nd
	}
	dst = dst[:l+n]
	return dst, dst[l:]
}

// ReadBufferSize is the size of the buffer a Reader reads its stream
// through: each read on the stream asks for up to this many bytes, however
// small the frames. A raw baseline reads its bare transport the same way.
const ReadBufferSize = 64 << 10

// Reader reads frames from a stream, reusing one buffer: the header with
// one io.ReadFull, then the body with another, both through a buffer of
// ReadBufferSize bytes. It is not safe for concurrent use.
type Reader struct {
	r   *bufio.Reader
	max int
	hdr [HeaderSize]byte
	buf []byte
}

// NewReader returns a Reader on r that refuses frames larger than maxFrame
// bytes (header included); maxFrame <= 0 means DefaultMaxFrame.
func NewReader(r io.Reader, maxFrame int) *Reader {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &Reader{r: bufio.NewReaderSize(r, ReadBufferSize), max: maxFrame}
}

// SetMaxFrame sets the limit on the size of the frames Next reads from
// now on (header included); n <= 0 means DefaultMaxFrame. A node reads the
// handshake under MaxHandshakeFrame and raises the limit once the peer is
// authenticated.
func (r *Reader) SetMaxFrame(n int) {
	if n <= 0 {
		n = DefaultMaxFrame
	}
	r.max = n
}

// Buffered reports how many bytes are already read from the stream but not
// yet returned; a node flushes its answers when it has nothing buffered.
func (r *Reader) Buffered() int { return r.r.Buffered() }

// Next reads one frame. The body is valid until the next call. A stream that
// ends cleanly between frames returns io.EOF; one that ends inside a frame
// returns io.ErrUnexpectedEOF.
func (r *Reader) Next() (Header, []byte, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		return Header{}, nil, err
	}
	h, err := ParseHeader(r.hdr[:], r.max)
	if err != nil {
		return h, nil, err
	}
	body, err := r.body(int(h.Length))
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return h, nil, fmt.Errorf("reading %s body: %w", h.Type, err)
	}
	return h, body, nil
}

// growStep is the least a Reader's buffer grows by while a body arrives.
const growStep = 64 << 10

// body reads the next n bytes into the reused buffer. A buffer too small
// for them grows as the bytes arrive, at most doubling per step, not to
// the length the header announced: a peer that announces a frame of
// nearly the limit and then sends little makes the reader allocate about
// what it sent, not the limit.
func (r *Reader) body(n int) ([]byte, error) {
	if cap(r.buf) >= n {
		b := r.buf[:n]
		_, err := io.ReadFull(r.r, b)
		return b, err
	}
	b := r.buf[:0]
	for len(b) < n {
		step := min(n-len(b), max(len(b), growStep))
		b = slices.Grow(b, step)
		m, err := io.ReadFull(r.r, b[len(b):len(b)+step])
		b = b[:len(b)+m]
		if err != nil {
			r.buf = b[:0]
			if err == io.EOF && len(b) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	r.buf = b
	return b, nil
}
