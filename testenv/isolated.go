package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

const (
	// Port offsets for isolated pairs keep every port between 11143 and
	// 32524, clear of test.sh's pair and below Linux's default ephemeral
	// port range (32768-60999), where outgoing connections could hold them.
	minIsolatedOffset   = 10000
	isolatedOffsetRange = 20000
	// exitPortInUse is mail-up.sh's exit status when a port is taken.
	exitPortInUse = 3
	// portTimeout bounds the wait for a server to open or close its port.
	portTimeout = 15 * time.Second
)

// RequireIsolated starts a Dovecot and Postfix pair that belongs to this
// test and stops it when the test ends. Only such a pair may be stopped
// and started (StopSMTP, StartSMTP, RestartDovecot), because tests in
// other packages use the shared pair at the same time. It skips the test
// as Require does, and needs root, as test.sh does. On a 2-core machine,
// starting a pair took about 2 s and stopping it 1-3 s.
func RequireIsolated(t testing.TB) *Env {
	t.Helper()

	shared := Require(t)
	dir := filepath.Join(shared.RuntimeDir, "isolated")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create isolated runtime dirs: %v", err)
	}

	for range 5 {
		env, err := startIsolated(t, dir)
		if errors.Is(err, errPortInUse) {
			continue
		}
		if err != nil {
			t.Fatalf("RequireIsolated: %v", err)
		}
		return env
	}
	t.Fatalf("RequireIsolated: every port offset tried was in use")
	return nil
}

// StopSMTP stops Postfix and waits until its SMTP port refuses
// connections. Mail already queued stays in the queue. It fails the test
// on the shared pair; see RequireIsolated.
func (e *Env) StopSMTP(t testing.TB) {
	t.Helper()
	e.requireIsolated(t, "StopSMTP")

	if err := e.runServerCommand(t, "postfix", "-c", e.PostfixDir, "stop"); err != nil {
		t.Fatalf("StopSMTP: %v", err)
	}
	if err := waitPort(e.SMTPAddr, false, portTimeout); err != nil {
		t.Fatalf("StopSMTP: %v", err)
	}
}

// StartSMTP starts Postfix again after StopSMTP and waits until its SMTP
// port accepts connections. It fails the test on the shared pair; see
// RequireIsolated.
func (e *Env) StartSMTP(t testing.TB) {
	t.Helper()
	e.requireIsolated(t, "StartSMTP")

	if err := e.runServerCommand(t, "postfix", "-c", e.PostfixDir, "start"); err != nil {
		t.Fatalf("StartSMTP: %v", err)
	}
	if err := waitPort(e.SMTPAddr, true, portTimeout); err != nil {
		t.Fatalf("StartSMTP: %v", err)
	}
}

// RestartDovecot stops Dovecot with doveadm, waits until IMAP refuses
// connections, starts it again and waits until IMAP and IMAPS accept
// connections. IMAP connections open during the restart may survive it,
// because Dovecot 2.3.19 leaves running imap processes alone on stop; a
// test that needs a dropped connection must cut it itself. Postfix
// defers mail while LMTP is down and retries it within about 10 s. It
// fails the test on the shared pair; see RequireIsolated.
func (e *Env) RestartDovecot(t testing.TB) {
	t.Helper()
	e.requireIsolated(t, "RestartDovecot")

	if err := e.runServerCommand(t, "doveadm", "-c", e.DovecotConf, "stop"); err != nil {
		t.Fatalf("RestartDovecot: %v", err)
	}
	if err := waitPort(e.IMAPAddr, false, portTimeout); err != nil {
		t.Fatalf("RestartDovecot: %v", err)
	}

	if err := e.runServerCommand(t, "dovecot", "-c", e.DovecotConf); err != nil {
		t.Fatalf("RestartDovecot: %v", err)
	}
	for _, addr := range []string{e.IMAPAddr, e.IMAPSAddr} {
		if err := waitPort(addr, true, portTimeout); err != nil {
			t.Fatalf("RestartDovecot: %v", err)
		}
	}
}

func (e *Env) requireIsolated(t testing.TB, method string) {
	t.Helper()
	if !e.isolated {
		t.Fatalf("%s on the shared mail servers would break tests running in other packages; get the Env from RequireIsolated", method)
	}
}

// errPortInUse means another process holds one of the chosen ports.
var errPortInUse = errors.New("port in use")

// startIsolated starts a pair with a random port offset in a new runtime
// directory under dir, and registers its stop with t.Cleanup.
func startIsolated(t testing.TB, dir string) (*Env, error) {
	t.Helper()

	offset := minIsolatedOffset + rand.IntN(isolatedOffsetRange)
	if !portsFree(offset) {
		return nil, errPortInUse
	}

	rt, err := os.MkdirTemp(dir, "rt")
	if err != nil {
		return nil, fmt.Errorf("create runtime dir: %w", err)
	}

	err = runScript(t, "mail-up.sh", rt, "MAIL_PORT_OFFSET="+strconv.Itoa(offset))
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() == exitPortInUse {
		return nil, errPortInUse
	}
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() {
		if err := runScript(t, "mail-down.sh", rt); err != nil {
			t.Errorf("stop isolated mail servers in %s: %v", rt, err)
		}
	})

	return loadEnvFile(rt)
}

// portsFree reports whether the IMAP, IMAPS, LMTP and SMTP ports for
// offset can be bound on 127.0.0.1 now.
func portsFree(offset int) bool {
	for _, base := range []int{1143, 1993, 2424, 2525} {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+offset)))
		if err != nil {
			return false
		}
		ln.Close()
	}
	return true
}

// loadEnvFile reads the testenv.env file that mail-up.sh wrote into rt.
func loadEnvFile(rt string) (*Env, error) {
	data, err := os.ReadFile(filepath.Join(rt, "testenv.env"))
	if err != nil {
		return nil, fmt.Errorf("read isolated env: %w", err)
	}

	vars, err := parseEnvFile(string(data))
	if err != nil {
		return nil, fmt.Errorf("parse %s/testenv.env: %w", rt, err)
	}

	env, err := loadEnv(func(name string) string { return vars[name] })
	if err != nil {
		return nil, fmt.Errorf("parse %s/testenv.env: %w", rt, err)
	}
	env.isolated = true
	return env, nil
}

// runScript runs a script from this package's directory with env added to
// the environment. Its output goes to a file, because the daemons that
// mail-up.sh starts inherit it, and a pipe would stay open until they
// exit.
func runScript(t testing.TB, name, rt string, env ...string) error {
	t.Helper()

	dir, err := scriptDir()
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, "bash", filepath.Join(dir, name), rt)
	cmd.Env = append(os.Environ(), env...)
	return runToFile(cmd, filepath.Join(filepath.Dir(rt), filepath.Base(rt)+"-"+name+".log"))
}

// runServerCommand runs a command that starts or stops a server of this
// pair, such as "postfix -c DIR start", with its output appended to the
// pair's log/commands.log.
func (e *Env) runServerCommand(t testing.TB, name string, args ...string) error {
	t.Helper()

	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, name, args...)
	return runToFile(cmd, filepath.Join(e.RuntimeDir, "log", "commands.log"))
}

// runToFile runs cmd with standard output and error appended to logPath,
// and returns an error that contains the command's output when it fails.
func runToFile(cmd *exec.Cmd, logPath string) error {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open command log: %w", err)
	}
	defer logFile.Close()

	start, err := logFile.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("open command log: %w", err)
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile

	if err := cmd.Run(); err != nil {
		out, readErr := os.ReadFile(logPath)
		if readErr != nil {
			return fmt.Errorf("%s: %w (output in %s)", cmd, err, logPath)
		}
		return fmt.Errorf("%s: %w: %s", cmd, err, bytes.TrimSpace(out[min(int(start), len(out)):]))
	}
	return nil
}

// scriptDir returns the directory of this source file, which also holds
// mail-up.sh and mail-down.sh.
func scriptDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("find testenv scripts: no caller information")
	}

	dir := filepath.Dir(file)
	if _, err := os.Stat(filepath.Join(dir, "mail-up.sh")); err != nil {
		// NOTE: a binary built with -trimpath records no absolute source
		// path, so isolated pairs work only in an ordinary go test build.
		return "", fmt.Errorf("find testenv scripts: %w", err)
	}
	return dir, nil
}
