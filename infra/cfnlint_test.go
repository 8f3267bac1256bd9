package infra

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// cfnLint finds the cfn-lint command: on the PATH, or under the user's
// pyenv shims where the machine image installs it.
func cfnLint() (string, error) {
	if p, err := exec.LookPath("cfn-lint"); err == nil {
		return p, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".pyenv", "shims", "cfn-lint")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("cfn-lint is not installed (not on the PATH, not under ~/.pyenv/shims)")
}

// TestCfnLint holds the template to what AWS's own validator says: any
// error or warning fails. A rule that is wrong for us is suppressed on its
// one resource in the template (Metadata cfn-lint ignore_checks), with a
// comment saying why.
func TestCfnLint(t *testing.T) {
	t.Parallel()
	bin, err := cfnLint()
	if err != nil {
		t.Skipf("skipping: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--format", "parseable", "template.yaml").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}
