package link

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// socketWriteOverhead bounds what the kernel charges a socket's send
// buffer for one write beyond twice its bytes: the socket buffer's own
// structures (sk_buff and skb_shared_info, under 1 KiB on Linux) and the
// rounding of its data to a slab or a page. A stream socket charges each
// write's truesize, not its bytes, against SO_SNDBUF; on loopback a TCP
// segment stays charged until it is acknowledged, a unix one until the peer
// reads it.
const socketWriteOverhead = 4096

// wmemMax is where Linux keeps the most a process may set SO_SNDBUF to.
const wmemMax = "/proc/sys/net/core/wmem_max"

// ReserveSocket grows the send buffer of the stream socket sc so that
// writes of bytes in all, in at most writes writes, written and not yet
// read by the peer never block: SO_SNDBUF of twice bytes and
// socketWriteOverhead per write. It reports whether the socket now holds
// that. It changes nothing where the system's limit (net.core.wmem_max)
// does not allow it: a set SO_SNDBUF turns TCP's send-buffer autotuning
// off, and a buffer smaller than the autotuned one would only slow a link
// that cannot queue anyway.
func ReserveSocket(sc syscall.Conn, bytes, writes int) bool {
	if bytes <= 0 || writes <= 0 {
		return false
	}
	want := 2*bytes + writes*socketWriteOverhead
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	got := 0
	if err := rc.Control(func(fd uintptr) {
		if sz, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF); err == nil && sz >= want {
			got = sz
			return
		}
		// The kernel doubles what is set (its own bookkeeping) and caps it
		// at twice wmem_max.
		if limit, ok := sysctlInt(wmemMax); !ok || 2*limit < want {
			return
		}
		if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF, (want+1)/2) != nil {
			return
		}
		if sz, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_SNDBUF); err == nil {
			got = sz
		}
	}); err != nil {
		return false
	}
	return got >= want
}

// sysctlInt reads a one-number file under /proc/sys.
func sysctlInt(path string) (int, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return n, err == nil
}
