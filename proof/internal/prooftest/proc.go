package prooftest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is a child process whose stdout lines are kept.
type Proc struct {
	Cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	ready chan string
	done  chan struct{}
	err   error
}

// StartProc starts cmd and collects its stdout; a line starting with
// readyPrefix marks it ready (see WaitReady). Stderr is left as set on cmd.
func StartProc(cmd *exec.Cmd, readyPrefix string) (*Proc, error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	p := &Proc{Cmd: cmd, ready: make(chan string, 1), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			if strings.HasPrefix(line, readyPrefix) {
				select {
				case p.ready <- line:
				default:
				}
			}
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// WaitReady waits for the ready line and returns it.
func (p *Proc) WaitReady(timeout time.Duration) (string, error) {
	select {
	case line := <-p.ready:
		return line, nil
	case <-p.done:
		return "", fmt.Errorf("%s exited before it was ready: %v", p.Cmd.Path, p.err)
	case <-time.After(timeout):
		return "", fmt.Errorf("%s not ready within %s", p.Cmd.Path, timeout)
	}
}

// Lines returns a copy of the stdout lines so far.
func (p *Proc) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// Pid is the child's process id.
func (p *Proc) Pid() int { return p.Cmd.Process.Pid }

// Done is closed once the child exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Stop sends SIGTERM, waits up to grace, then SIGKILL, and waits.
func (p *Proc) Stop(grace time.Duration) {
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// Kill sends SIGKILL and waits for the exit.
func (p *Proc) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.done
}

// Start runs a vpcnode process as role with its state in data, trusting
// the key pair's public half, with the role's args: its AWS calls go to
// endpoint (region us-east-1, no instance metadata), its HOME is data's
// directory and its stderr goes to data.stderr, shown if tb fails. under,
// when given, is the command the node runs under (ip netns exec NS, say).
// Start waits up to a minute for the node's ready line, failing tb when it
// does not come up, and stops the node when tb's test ends.
func (n Nodes) Start(tb testing.TB, under []string, endpoint, role, data string, args ...string) *Proc {
	tb.Helper()
	argv := append(slices.Clone(under), n.Bin, "-role", role, "-data", data, "-public-key", n.KeyFile)
	cmd := exec.Command(argv[0], append(argv[1:], args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(data), "AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL=" + endpoint}
	cmd.Stderr = LogFile(tb, data+".stderr", role)
	p, _ := StartReady(tb, cmd, "ready")
	return p
}

// StartReady starts cmd, waits up to a minute for its stdout line that
// starts with ready and stops it when tb's test ends; it fails tb when the
// process does not come up. It returns the process and the rest of its
// ready line (the URL a server prints, say).
func StartReady(tb testing.TB, cmd *exec.Cmd, ready string) (*Proc, string) {
	tb.Helper()
	p, err := StartProc(cmd, ready)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { p.Stop(10 * time.Second) })
	line, err := p.WaitReady(time.Minute)
	if err != nil {
		tb.Fatal(err)
	}
	return p, strings.TrimSpace(strings.TrimPrefix(line, ready))
}

// LogFile creates the file a child process logs to (its stderr); when tb
// fails, the log is shown, named who.
func LogFile(tb testing.TB, path, who string) *os.File {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		f.Close()
		if tb.Failed() {
			if log, err := os.ReadFile(path); err == nil && len(log) > 0 {
				tb.Logf("%s stderr:\n%s", who, bytes.TrimSpace(log))
			}
		}
	})
	return f
}

// StartLocalAWS runs `licenseflow localaws` from the licenseflow binary
// bin (see Build) on a free loopback port, durable with its state in data
// and its log in data.stderr, until tb ends. It returns the process and its
// URL.
func StartLocalAWS(tb testing.TB, bin, data string) (*Proc, string) {
	tb.Helper()
	cmd := exec.Command(bin, "localaws", "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Dir(data)}
	cmd.Stderr = LogFile(tb, data+".stderr", "localaws")
	return StartReady(tb, cmd, "localaws listening on ")
}
