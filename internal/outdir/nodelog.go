package outdir

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// NodeLogDir is the subdirectory that node processes' logs go to.
const NodeLogDir = "nodes"

// maxNodeLogs bounds how many node logs one session keeps.
const maxNodeLogs = 256

// IsNodeLog reports whether the slash-separated name is a node log.
func IsNodeLog(name string) bool {
	d, f, ok := strings.Cut(name, "/")
	return ok && d == NodeLogDir && !strings.Contains(f, "/") && strings.HasSuffix(f, ".log")
}

// KeepNodeLog writes log to nodes/NAME.log, or nodes/NAME.2.log and so on
// when that node name has a log from this session already (a node of the
// same name in another cell), and returns its path. It implements
// topologies.NodeLogs.
func (d *Dir) KeepNodeLog(name string, log []byte) (string, error) {
	base := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	if len(base) > 64 {
		base = base[:64]
	}
	d.mu.Lock()
	n := len(d.nodeLogs)
	file := filepath.Join(NodeLogDir, base+".log")
	for i := 2; slices.Contains(d.nodeLogs, file); i++ {
		file = filepath.Join(NodeLogDir, fmt.Sprintf("%s.%d.log", base, i))
	}
	if n < maxNodeLogs {
		d.nodeLogs = append(d.nodeLogs, file) // reserved, so no other node takes it
	}
	d.mu.Unlock()
	if n >= maxNodeLogs {
		return "", fmt.Errorf("node log %s: not kept: %d node logs kept already", name, n)
	}
	if err := d.WriteFile(file, log); err != nil {
		return "", fmt.Errorf("node log %s: %w", name, err)
	}
	return d.Join(file), nil
}
