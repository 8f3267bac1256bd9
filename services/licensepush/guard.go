package licensepush

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// ErrTargetNotAllowed: an app server address resolves (at least in part)
// outside the allowed CIDRs, or to an address never allowed. Deliveries to
// it fail permanently.
var ErrTargetNotAllowed = errors.New("app server address not allowed")

// isMetadata reports the cloud instance-metadata service: 169.254.169.254
// (link-local, refused anyway) and its IPv6 twin on AWS, fd00:ec2::254. No
// configuration can allow them.
func isMetadata(ip netip.Addr) bool {
	return ip == netip.AddrFrom4([4]byte{169, 254, 169, 254}) ||
		ip == netip.AddrFrom16([16]byte{0xfd, 0x00, 0x0e, 0xc2, 14: 0x02, 15: 0x54})
}

// guard decides which addresses deliveries may reach.
type guard struct {
	allowed  []netip.Prefix
	resolver *net.Resolver
}

// target is an app server address that passed the guard: the host name as
// given (for the Host header) and the checked IPs to dial.
type target struct {
	hostPort string
	ips      []netip.Addr
	port     int
}

// allowedIP reports whether ip may be dialled: inside an allowed prefix and
// never link-local, multicast, unspecified or instance metadata. Loopback
// passes only if a configured prefix contains it.
func (g guard) allowedIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsMulticast(), ip.IsInterfaceLocalMulticast(),
		ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return false
	}
	if isMetadata(ip) {
		return false
	}
	for _, p := range g.allowed {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// check parses hostPort ("host:port"), resolves the host and returns the
// target if every resolved address is allowed. It connects to nothing.
// Errors wrap ErrTargetNotAllowed (permanent) or are resolution failures
// (worth retrying).
func (g guard) check(ctx context.Context, hostPort string) (target, error) {
	host, portStr, err := net.SplitHostPort(hostPort)
	if err != nil {
		return target{}, fmt.Errorf("%w: %q: %v", ErrTargetNotAllowed, hostPort, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 || host == "" {
		return target{}, fmt.Errorf("%w: %q: want host:port", ErrTargetNotAllowed, hostPort)
	}
	var ips []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return target{}, fmt.Errorf("%w: %q: zoned address", ErrTargetNotAllowed, hostPort)
		}
		ips = []netip.Addr{ip}
	} else {
		ips, err = g.resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return target{}, fmt.Errorf("resolving app server %q: %w", host, err)
		}
	}
	if len(ips) == 0 {
		return target{}, fmt.Errorf("resolving app server %q: no addresses", host)
	}
	for i, ip := range ips {
		ips[i] = ip.Unmap()
		if !g.allowedIP(ips[i]) {
			return target{}, fmt.Errorf("%w: %q resolves to %s, outside the allowed CIDRs", ErrTargetNotAllowed, hostPort, ip)
		}
	}
	return target{hostPort: hostPort, ips: ips, port: port}, nil
}

// control is the dialer's last check on the very address being connected
// to, after any resolution: it refuses anything not allowed.
func (g guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !g.allowedIP(ap.Addr()) {
		return fmt.Errorf("%w: dialling %s", ErrTargetNotAllowed, address)
	}
	return nil
}
