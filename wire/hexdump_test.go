package wire_test

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/snbench/snbench/topologies"
	"github.com/snbench/snbench/wire"
)

// The golden frames of docs/protocol.md are annotated hex dumps: on each
// line, what follows '#' is a comment, and what precedes it is the frame's
// next bytes as two-digit hex numbers separated by spaces. parseHex reads
// them back; annotate writes them.

// parseHex returns the bytes of an annotated hex dump.
func parseHex(text string) ([]byte, error) {
	var out []byte
	for i, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, tok := range strings.Fields(line) {
			if len(tok) != 2 {
				return nil, fmt.Errorf("line %d: %q is not one byte in two hex digits", i+1, tok)
			}
			b, err := hex.DecodeString(tok)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
			out = append(out, b[0])
		}
	}
	return out, nil
}

// dump writes annotated hex lines.
type dump struct{ strings.Builder }

// Widths of the hex column: 8 bytes for a header field or a value, 16 for
// a row of a nonce, a proof or text.
const (
	fieldWidth = 8*3 - 1
	rowWidth   = 16*3 - 1
)

// bytes writes b on one line with a comment, aligned for a field.
func (d *dump) bytes(b []byte, format string, args ...any) {
	d.line(b, fieldWidth, fmt.Sprintf(format, args...))
}

// line writes b in a hex column of width characters, then the comment.
func (d *dump) line(b []byte, width int, comment string) {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	fmt.Fprintf(d, "%-*s  # %s\n", width, strings.Join(parts, " "), comment)
}

// comment writes a line that is only a comment.
func (d *dump) comment(format string, args ...any) {
	fmt.Fprintf(d, "# %s\n", fmt.Sprintf(format, args...))
}

// rows writes b 16 bytes a line, each with label and its byte range, and
// the bytes as ASCII when text is set.
func (d *dump) rows(b []byte, label string, text bool) {
	for off := 0; off < len(b); off += 16 {
		row := b[off:min(off+16, len(b))]
		if text {
			d.line(row, rowWidth, printable(row))
			continue
		}
		d.line(row, rowWidth, fmt.Sprintf("%s, bytes %d-%d", label, off, off+len(row)-1))
	}
}

// printable returns b with bytes outside printable ASCII as '.'.
func printable(b []byte) string {
	s := []byte(string(b))
	for i, c := range s {
		if c < 0x20 || c > 0x7e {
			s[i] = '.'
		}
	}
	return string(s)
}

// annotate returns the annotated hex dump of frame f, headed by a comment
// naming the file and saying what the frame is. f must be one valid frame.
func annotate(name, about string, f []byte) (string, error) {
	h, err := wire.ParseHeader(f, wire.DefaultMaxFrame)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if len(f) != wire.HeaderSize+int(h.Length) {
		return "", fmt.Errorf("%s: %d bytes, header says %d", name, len(f), wire.HeaderSize+int(h.Length))
	}
	var d dump
	d.comment("%s: %s", name, about)
	d.comment("header, %d bytes, integers little-endian", wire.HeaderSize)
	d.bytes(f[0:2], `magic "SB"`)
	d.bytes(f[2:3], "protocol version %d", h.Version)
	d.bytes(f[3:4], "frame type %d: %s", uint8(h.Type), h.Type)
	switch h.Type {
	case wire.TypeTasks, wire.TypeResults:
		d.bytes(f[4:8], "count %d: tasks in the frame", h.Count)
		d.bytes(f[8:12], "aux %d: values per task (K)", h.Aux)
	default:
		d.bytes(f[4:8], "count %d (always 0 here)", h.Count)
		d.bytes(f[8:12], "aux %d (always 0 here)", h.Aux)
	}
	d.bytes(f[12:16], "length %d: body bytes after the header", h.Length)
	body := f[wire.HeaderSize:]
	if len(body) == 0 {
		d.comment("body: empty")
		return d.String(), nil
	}
	d.comment("body, %d bytes", len(body))
	switch h.Type {
	case wire.TypeTasks:
		tag(&d, body[0:8])
		values(&d, body[8:], int(h.Count), int(h.Aux))
	case wire.TypeResults:
		tag(&d, body[0:8])
		d.bytes(body[8:16], "service time %d ns, on the node's clock", binary.LittleEndian.Uint64(body[8:]))
		values(&d, body[16:], int(h.Count), int(h.Aux))
	case wire.TypeChallenge:
		d.rows(body, "the node's nonce Nn", false)
	case wire.TypeAuth:
		d.rows(body, "the coordinator's proof", false)
	case wire.TypeError:
		d.comment("UTF-8 text: %s", body)
		d.rows(body, "", true)
	default:
		d.comment("JSON: %s", body)
		d.rows(body, "", true)
	}
	return d.String(), nil
}

// tag writes a batch's tag, saying what an end marker's carries.
func tag(d *dump, b []byte) {
	t := binary.LittleEndian.Uint64(b)
	if t&topologies.EndTag != 0 {
		d.bytes(b, "tag 1<<63 | %d: the end marker, after %d batches", t&^topologies.EndTag, t&^topologies.EndTag)
		return
	}
	d.bytes(b, "tag %d", t)
}

// values writes n tasks of k values each: the id, then the values.
func values(d *dump, b []byte, n, k int) {
	off := 0
	for i := range n {
		d.bytes(b[off:off+8], "task %d: id %d", i, binary.LittleEndian.Uint64(b[off:]))
		off += 8
		for j := range k {
			d.bytes(b[off:off+8], "task %d: value %d = %d", i, j, int64(binary.LittleEndian.Uint64(b[off:])))
			off += 8
		}
	}
}
