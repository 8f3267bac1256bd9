package crash

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/licenseflow/licenseflow/proof/internal/prooftest"
)

// node is one `licenseflow run` on a fixed data directory and fixed ports,
// restarted after each kill.
type node struct {
	t                    *testing.T
	data, edge, app      string
	env                  []string
	mu                   sync.Mutex
	proc                 *prooftest.Proc
	starts, kills        int
	startTimes, killedAt []time.Duration
}

func (n *node) start() {
	n.t.Helper()
	cmd := exec.Command(binary, "run", "--data", n.data, "--http", n.edge, "--appserver", n.app, "--log-level", "error")
	cmd.Env = n.env
	cmd.Stderr = os.Stderr
	began := time.Now()
	var p *prooftest.Proc
	var err error
	// The port can linger for a moment after a kill: retry the start.
	for attempt := 0; attempt < 20; attempt++ {
		if p, err = prooftest.StartProc(cmd, "licenseflow ready"); err == nil {
			if _, err = p.WaitReady(60 * time.Second); err == nil {
				break
			}
			p.Kill()
		}
		time.Sleep(250 * time.Millisecond)
		cmd = exec.Command(cmd.Path, cmd.Args[1:]...)
		cmd.Env, cmd.Stderr = n.env, os.Stderr
	}
	if err != nil {
		n.t.Fatalf("starting licenseflow run: %v", err)
	}
	n.mu.Lock()
	n.proc = p
	n.starts++
	n.startTimes = append(n.startTimes, time.Since(began))
	n.mu.Unlock()
}

// kill sends SIGKILL and waits for the process to be gone.
func (n *node) kill() {
	n.mu.Lock()
	p := n.proc
	n.kills++
	n.mu.Unlock()
	p.Kill()
}

// stop stops the current process gracefully.
func (n *node) stop() {
	n.mu.Lock()
	p := n.proc
	n.mu.Unlock()
	p.Stop(20 * time.Second)
}

func (n *node) summary() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return fmt.Sprintf("%d starts, %d kills (SIGKILL), restart-to-ready times %v", n.starts, n.kills, n.startTimes)
}
