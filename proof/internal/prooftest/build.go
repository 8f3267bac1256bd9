package prooftest

import (
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/licenseflow/licenseflow/events/license"
)

// Build compiles the main package pkg (an import path) into dir and returns
// the binary's path.
func Build(dir, pkg string) (string, error) {
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building %s: %w", pkg, err)
	}
	return out, nil
}

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

// RunWithCLI is a proof's TestMain body: it builds the licenseflow CLI into
// a temporary directory, sets *binary to it, runs the tests, removes the
// directory and returns the exit code.
func RunWithCLI(m *testing.M, binary *string) int {
	dir, err := os.MkdirTemp("", "licenseflow-proof-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *binary, err = Build(dir, "github.com/licenseflow/licenseflow/cmd/licenseflow"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}
