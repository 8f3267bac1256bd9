package prooftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
