package vpc

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// network is the private network a test builds: one "vpc" namespace joined
// to the host by a veth pair on a /30 that exists only on that pair.
type network struct {
	NS       string // namespace name
	HostIf   string // host end of the veth pair
	VPCIf    string // namespace end
	HostAddr string // e.g. 10.213.7.1
	VPCAddr  string // e.g. 10.213.7.2
	Subnet   string // e.g. 10.213.7.0/30
}

// skipUnlessNetns skips the test, saying why, where network namespaces
// cannot be made.
func skipUnlessNetns(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the VPC proof needs root to create network namespaces (run as root, as CI does)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("the VPC proof needs iproute2's ip (apt-get install iproute2)")
	}
}

// newNetwork creates the namespace and the veth pair, and removes them when
// the test ends, pass or fail.
func newNetwork(t *testing.T) *network {
	t.Helper()
	var b [3]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	n := &network{NS: "lfvpc-" + id, HostIf: "lfh" + id, VPCIf: "lfv" + id}
	// A /30 in 10.213.0.0/16 that no interface of the host uses.
	used, _ := exec.Command("ip", "-o", "-4", "addr", "show").Output()
	for third := int(b[0]); ; third = (third + 1) % 256 {
		n.Subnet = fmt.Sprintf("10.213.%d.0/30", third)
		n.HostAddr, n.VPCAddr = fmt.Sprintf("10.213.%d.1", third), fmt.Sprintf("10.213.%d.2", third)
		if !strings.Contains(string(used), fmt.Sprintf(" 10.213.%d.", third)) {
			break
		}
	}
	if out, err := exec.Command("ip", "netns", "add", n.NS).CombinedOutput(); err != nil {
		t.Skipf("this machine does not allow network namespaces: ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		// Deleting the namespace deletes its veth end, and with it the pair.
		if out, err := exec.Command("ip", "netns", "del", n.NS).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", n.NS, err, out)
		}
		_ = exec.Command("ip", "link", "del", n.HostIf).Run() // gone already unless setup failed half way
	})
	for _, args := range [][]string{
		{"link", "add", n.HostIf, "type", "veth", "peer", "name", n.VPCIf},
		{"link", "set", n.VPCIf, "netns", n.NS},
		{"addr", "add", n.HostAddr + "/30", "dev", n.HostIf},
		{"link", "set", n.HostIf, "up"},
		{"-n", n.NS, "addr", "add", n.VPCAddr + "/30", "dev", n.VPCIf},
		{"-n", n.NS, "link", "set", n.VPCIf, "up"},
		{"-n", n.NS, "link", "set", "lo", "up"},
	} {
		ip(t, args...)
	}
	return n
}

// ip runs ip with args and returns its output, failing the test on error.
func ip(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// nsExec is the command that runs another inside the namespace.
func (n *network) nsExec() []string { return []string{"ip", "netns", "exec", n.NS} }

// inNS returns a command that runs name inside the namespace.
func (n *network) inNS(name string, args ...string) *exec.Cmd {
	argv := append(append(n.nsExec(), name), args...)
	return exec.Command(argv[0], argv[1:]...)
}
