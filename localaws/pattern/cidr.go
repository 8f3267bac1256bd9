package pattern

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ipRange is an inclusive range of addresses of one family.
type ipRange struct{ lo, hi netip.Addr }

func (r ipRange) contains(a netip.Addr) bool {
	return a.BitLen() == r.lo.BitLen() && r.lo.Compare(a) <= 0 && a.Compare(r.hi) <= 0
}

// looksLikeIP mirrors the shape test AWS applies before treating a string
// as an address: four dot-separated digit runs, or hex digits and colons
// with at least one colon.
func looksLikeIP(s string) bool {
	if s == "" {
		return false
	}
	if strings.IndexByte(s, ':') >= 0 {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(c == ':' || '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
		return true
	}
	dots, run := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.':
			if run == 0 {
				return false
			}
			dots++
			run = 0
		case '0' <= c && c <= '9':
			run++
		default:
			return false
		}
	}
	return dots == 3 && run > 0
}

// parseIP reads an IPv4 or IPv6 literal; an IPv4-mapped IPv6 address is
// taken as the IPv4 address.
func parseIP(s string) (netip.Addr, bool) {
	if !looksLikeIP(s) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// parseCIDR reads a cidr operand. Like AWS, the range runs from the given
// address to that address with every host bit set, and the mask must leave
// at least one host bit (IPv4 < 32, IPv6 < 128).
func parseCIDR(s string) (ipRange, error) {
	parts := strings.Split(s, "/")
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 2 {
		return ipRange{}, errors.New("Malformed CIDR, one '/' required")
	}
	bits, err := strconv.Atoi(parts[1])
	if err != nil {
		return ipRange{}, errors.New("Malformed CIDR, mask bits must be an integer")
	}
	if bits < 0 {
		return ipRange{}, errors.New("Malformed CIDR, mask bits must not be negative")
	}
	if !looksLikeIP(parts[0]) {
		return ipRange{}, fmt.Errorf("Nonstandard IP address: %s", parts[0])
	}
	a, ok := parseIP(parts[0])
	if !ok {
		return ipRange{}, fmt.Errorf("Invalid IP address: %s", parts[0])
	}
	if a.Is4() && bits > 31 {
		return ipRange{}, errors.New("IPv4 mask bits must be < 32")
	}
	if a.Is6() && bits > 127 {
		return ipRange{}, errors.New("IPv6 mask bits must be < 128")
	}
	b := a.AsSlice()
	for i := range b {
		hostBits := (i+1)*8 - bits // host bits within byte i
		switch {
		case hostBits >= 8:
			b[i] = 0xff
		case hostBits > 0:
			b[i] |= byte(1<<hostBits - 1)
		}
	}
	hi, _ := netip.AddrFromSlice(b)
	return ipRange{lo: a, hi: hi}, nil
}
