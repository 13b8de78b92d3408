package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// staleScan is how old the last mailbox scan may be before /healthz
// reports the mailbox unhealthy. The watcher rescans at least every
// five minutes even under IDLE.
const staleScan = 15 * time.Minute

// serveHTTP serves /healthz and /metrics until ctx is cancelled.
func (d *daemon) serveHTTP(ctx context.Context, listen string) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", d.healthz)
	mux.Handle("/metrics", promhttp.HandlerFor(d.metrics.registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", listen, err)
	}
	d.log.Info("http listening", "address", ln.Addr().String())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown) // the listener closes either way; nothing left to report
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// health is the /healthz body.
type health struct {
	OK    bool        `json:"ok"`
	IMAP  imapHealth  `json:"imap"`
	SMTP  checkHealth `json:"smtp"`
	Store checkHealth `json:"store"`
}

type imapHealth struct {
	OK             bool    `json:"ok"`
	Connected      bool    `json:"connected"`
	IDLE           bool    `json:"idle"`
	LastPoll       string  `json:"last_poll,omitempty"`
	LastPollAgeSec float64 `json:"last_poll_age_seconds"`
	Error          string  `json:"error,omitempty"`
}

type checkHealth struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// healthz reports whether IMAP, SMTP and the store are reachable and how
// old the last mailbox scan is: 200 when all are, 503 otherwise.
func (d *daemon) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	h := health{IMAP: d.imapHealth(), SMTP: dialHealth(ctx, d.set.smtpAddress()), Store: storeHealth(ctx, d)}
	h.OK = h.IMAP.OK && h.SMTP.OK && h.Store.OK
	w.Header().Set("Content-Type", "application/json")
	if !h.OK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(h) // the client went away; nothing to do
}

func (d *daemon) imapHealth() imapHealth {
	st := d.watcher.Status()
	h := imapHealth{Connected: st.Connected, IDLE: st.IDLE, Error: st.LastError}
	if !st.LastPoll.IsZero() {
		h.LastPoll = st.LastPoll.UTC().Format(time.RFC3339)
		h.LastPollAgeSec = time.Since(st.LastPoll).Seconds()
	}
	h.OK = st.Connected && !st.LastPoll.IsZero() && time.Since(st.LastPoll) < staleScan
	return h
}

func dialHealth(ctx context.Context, address string) checkHealth {
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", address)
	if err != nil {
		return checkHealth{Error: err.Error()}
	}
	_ = conn.Close() // a probe connection; its close error says nothing about the server
	return checkHealth{OK: true}
}

func storeHealth(ctx context.Context, d *daemon) checkHealth {
	if err := d.store.Ping(ctx); err != nil {
		return checkHealth{Error: err.Error()}
	}
	return checkHealth{OK: true}
}

func (s *settings) smtpAddress() string {
	return net.JoinHostPort(s.smtp.Host, fmt.Sprint(s.smtp.Port))
}
