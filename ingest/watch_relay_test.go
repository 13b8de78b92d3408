package ingest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// tcpRelay forwards loopback connections to a server and can drop them
// all at once. Dovecot 2.3's imap processes keep serving their clients
// through "doveadm stop" and a new start, so a test that needs the
// connection to die with the server drops it here.
type tcpRelay struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

// startRelay relays 127.0.0.1:random to target until the test ends.
func startRelay(t *testing.T, target string) *tcpRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("relay listen: %v", err)
	}
	r := &tcpRelay{ln: ln, target: target, conns: make(map[net.Conn]bool)}
	go r.accept()
	t.Cleanup(func() {
		_ = ln.Close() // ends accept
		r.setDown(true)
	})
	return r
}

func (r *tcpRelay) addr() string { return r.ln.Addr().String() }

// setDown drops every open connection when down is true and, until it is
// called with false, closes new connections at once.
func (r *tcpRelay) setDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
	if !down {
		return
	}
	for c := range r.conns {
		_ = c.Close() // dropping the connection is the point
	}
	clear(r.conns)
}

func (r *tcpRelay) accept() {
	for {
		client, err := r.ln.Accept()
		if err != nil {
			return
		}
		go r.serve(client)
	}
}

func (r *tcpRelay) serve(client net.Conn) {
	server, err := net.Dial("tcp", r.target)
	if err != nil {
		_ = client.Close() // the server is down, so the relayed connection ends too
		return
	}
	if !r.track(client, server) {
		return
	}
	go func() {
		_, _ = io.Copy(server, client) // ends when either side closes
		_ = server.Close()
	}()
	_, _ = io.Copy(client, server) // ends when either side closes
	_ = client.Close()
}

// track registers both ends, or closes them when the relay is down.
func (r *tcpRelay) track(conns ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range conns {
		if r.down {
			_ = c.Close() // the relay is down
			continue
		}
		r.conns[c] = true
	}
	return !r.down
}
