package store

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

const appName = "keluhan"

// dialLoopback connects to the embedded FerretDB, which speaks plain TCP
// on 127.0.0.1.
func dialLoopback(ctx context.Context, uri string) (*mongo.Client, error) {
	opts := options.Client().ApplyURI(uri).SetAppName(appName)
	return dial(ctx, opts, "the embedded ferretdb")
}

// dialURI connects to cfg.URI. TLS with certificate verification is on
// unless the URI sets tls=false (or ssl=false) or cfg.Insecure is set. A
// plain or unverified connection to a host other than loopback is logged
// at Warn.
func dialURI(ctx context.Context, cfg Config, log *slog.Logger) (*mongo.Client, error) {
	cs, err := connstring.ParseAndValidate(cfg.URI)
	if err != nil {
		// The driver's message may quote the URI, password included.
		return nil, errors.New("parse mongodb uri: invalid connection string")
	}
	hosts := strings.Join(cs.Hosts, ",")

	opts := options.Client().ApplyURI(cfg.URI).SetAppName(appName)
	tlsConfig, err := clientTLS(cs, cfg, opts.TLSConfig)
	if err != nil {
		return nil, err
	}
	opts.SetTLSConfig(tlsConfig)

	warnInsecure(log, cs, tlsConfig, hosts)
	return dial(ctx, opts, hosts)
}

// clientTLS returns the TLS settings for cs, or nil for a plain
// connection. base is what the driver built from the URI, which keeps a
// client certificate named there.
func clientTLS(cs *connstring.ConnString, cfg Config, base *tls.Config) (*tls.Config, error) {
	if cs.SSLSet && !cs.SSL {
		return nil, nil
	}
	if cs.SSLInsecure {
		return nil, errors.New("mongodb uri: tlsInsecure is not accepted: remove it and set the store's insecure option if verification must be off")
	}

	conf := &tls.Config{}
	if base != nil {
		conf = base.Clone()
	}
	conf.MinVersion = tls.VersionTLS12
	conf.InsecureSkipVerify = cfg.Insecure

	if cfg.CAFile != "" {
		pool, err := loadCAFile(cfg.CAFile)
		if err != nil {
			return nil, err
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read mongodb ca file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("read mongodb ca file %s: no PEM certificate found", path)
	}
	return pool, nil
}

func warnInsecure(log *slog.Logger, cs *connstring.ConnString, conf *tls.Config, hosts string) {
	if allLoopback(cs.Hosts) {
		return
	}
	switch {
	case conf == nil:
		log.Warn("mongodb connection is not encrypted", "hosts", hosts)
	case conf.InsecureSkipVerify:
		log.Warn("mongodb certificate verification is off", "hosts", hosts)
	}
}

// allLoopback reports whether every host is localhost or a loopback IP.
// A mongodb+srv URI has one host name, which is never loopback here.
func allLoopback(hosts []string) bool {
	if len(hosts) == 0 {
		return false
	}
	for _, h := range hosts {
		name, _, err := net.SplitHostPort(h)
		if err != nil {
			name = h
		}
		ip := net.ParseIP(strings.Trim(name, "[]"))
		if name != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return false
		}
	}
	return true
}

// dial connects and waits until the server replies to a ping.
func dial(ctx context.Context, opts *options.ClientOptions, hosts string) (*mongo.Client, error) {
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to mongodb at %s: %w", hosts, err)
	}
	if err := client.Ping(ctx, nil); err != nil {
		// The ping error is the one worth returning; a failed disconnect of
		// a client that never connected adds nothing.
		_ = client.Disconnect(ctx)
		return nil, fmt.Errorf("connect to mongodb at %s: %w", hosts, err)
	}
	return client, nil
}
