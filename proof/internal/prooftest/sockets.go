package prooftest

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Socket is one row of /proc/PID/net/tcp or tcp6.
type Socket struct {
	Local, Remote string // hex address:port as the kernel prints it
	State         string // "0A" is LISTEN, "01" ESTABLISHED
	Inode         string
}

// Listening reports whether the socket is in the LISTEN state.
func (s Socket) Listening() bool { return s.State == "0A" }

// ProcessSockets returns the TCP sockets (IPv4 and IPv6) the process holds
// open: the rows of its network namespace's tables whose inode is one of
// its file descriptors.
func ProcessSockets(pid int) ([]Socket, error) {
	inodes := map[string]bool{}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(fdDir)
	if err != nil {
		return nil, err
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if in, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(in, "]")] = true
		}
	}
	var out []Socket
	for _, table := range []string{"tcp", "tcp6"} {
		rows, err := tcpTable(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if inodes[r.Inode] {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

func tcpTable(path string) ([]Socket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Socket
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		out = append(out, Socket{Local: fields[1], Remote: fields[2], State: fields[3], Inode: fields[9]})
	}
	return out, sc.Err()
}

// KernelAddr decodes an address:port as /proc/net/tcp{,6} prints it (the
// address in host byte order per 32-bit word, in hex).
func KernelAddr(s string) (netip.AddrPort, error) {
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("kernel address %q", s)
	}
	raw, err := hex.DecodeString(host)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("kernel address %q", s)
	}
	for w := 0; w < len(raw); w += 4 { // each 32-bit word is little-endian
		raw[w], raw[w+1], raw[w+2], raw[w+3] = raw[w+3], raw[w+2], raw[w+1], raw[w]
	}
	p, err := strconv.ParseUint(port, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("kernel port %q", s)
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(p)), nil
}
