package prooftest

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/events/license"
)

// Nodes is what the proofs that run vpcnode processes start from: the
// vpcnode binary and a fresh license key pair, whose public half the nodes
// trust (-public-key KeyFile).
type Nodes struct {
	Bin     string
	KeyFile string
	Public  ed25519.PublicKey
	Private ed25519.PrivateKey
}

// BuildNodes builds proof/internal/vpcnode into dir and writes a new key
// pair's public half to dir/license-public-key.pem.
func BuildNodes(dir string) (Nodes, error) {
	bin, err := Build(dir, "github.com/licenseflow/licenseflow/proof/internal/vpcnode")
	if err != nil {
		return Nodes{}, err
	}
	pub, priv, err := license.GenerateKey()
	if err != nil {
		return Nodes{}, err
	}
	pem, err := license.MarshalPublicKey(pub)
	if err != nil {
		return Nodes{}, err
	}
	keyFile := filepath.Join(dir, "license-public-key.pem")
	if err := os.WriteFile(keyFile, pem, 0o600); err != nil {
		return Nodes{}, fmt.Errorf("writing the public key: %w", err)
	}
	return Nodes{Bin: bin, KeyFile: keyFile, Public: pub, Private: priv}, nil
}

// StartNode starts a vpcnode command, waits up to a minute for its ready
// line and stops it when tb's test ends; it fails tb when the node does
// not come up.
func StartNode(tb testing.TB, cmd *exec.Cmd) *Proc {
	tb.Helper()
	p, err := StartProc(cmd, "ready")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Stop(10 * time.Second) })
	if _, err := p.WaitReady(time.Minute); err != nil {
		tb.Fatal(err)
	}
	return p
}
