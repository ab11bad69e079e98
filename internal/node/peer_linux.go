package node

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerGone returns a function reporting whether the peer of conn has
// closed its end (or reset the connection): poll(2) without waiting, for
// POLLRDHUP, which the kernel sets once the peer's FIN has arrived even
// when unread data is still ahead of it. It returns nil for a connection
// that has no file descriptor to ask.
func peerGone(conn net.Conn) func() bool {
	tc, ok := conn.(*net.TCPConn)
	if !ok {
		return nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return func() bool {
		gone := false
		_ = raw.Control(func(fd uintptr) {
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
			n, err := unix.Poll(fds, 0)
			gone = err == nil && n > 0 && fds[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR) != 0
		})
		return gone
	}
}
