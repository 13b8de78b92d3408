package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretEnv gives every secret a recognisable value.
func secretsEnv(name string) string {
	return map[string]string{
		"KELUHAN_IMAP_PASSWORD": "imap-secret-value-1",
		"KELUHAN_SMTP_PASSWORD": "smtp-secret-value-2",
		"KELUHAN_TOKEN_SECRET":  "token-secret-value-3-0123456789",
	}[name]
}

func TestExampleConfigPassesCheck(t *testing.T) {
	cfg, err := LoadConfig("../../keluhan.example.yaml", secretsEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range CheckConfig(cfg, true) {
		if !p.Warning {
			t.Errorf("example config: %s: %s", p.Key, p.Message)
		}
	}
	if _, err := buildSettings(cfg); err != nil {
		t.Errorf("buildSettings(example) = %v", err)
	}
}

func TestConfigCheckNamesKeys(t *testing.T) {
	cases := []struct {
		name, yaml, key string
	}{
		{"missing helpdesk", "language: id", "helpdesk.address"},
		{"bad language", "language: fr\nhelpdesk: {address: a@b.id, name: x}", "language"},
		{"bad tls", "helpdesk: {address: a@b.id, name: x}\nimap: {tls: ssl}", "imap.tls"},
		{"bad standard", "helpdesk: {address: a@b.id, name: x}\nsla: {standards: {closure: sebentar}}", "sla.standards.closure"},
		{"no service desk", "helpdesk: {address: a@b.id, name: x}", "roles.service_desk"},
		{"staff is helpdesk", "helpdesk: {address: a@b.id, name: x}\nroles: {service_desk: [{name: x, address: a@b.id}]}", "roles.service_desk[0].address"},
		{"bad zone", "time_zone: Mars/Olympus\nhelpdesk: {address: a@b.id, name: x}", "time_zone"},
		{"bad mongo uri", "helpdesk: {address: a@b.id, name: x}\nmongodb: {uri: 'postgres://x'}", "mongodb.uri"},
		{"plain imap to another host", "helpdesk: {address: a@b.id, name: x}\nimap: {address: 'mail.example.org:143', tls: none}", "imap.tls"},
		{"data_dir ferretdb cannot use", "data_dir: /srv/keluhan%41\nhelpdesk: {address: a@b.id, name: x}", "data_dir"},
		{"data_dir too long for a socket", "data_dir: /srv/" + strings.Repeat("d", 80) + "\nhelpdesk: {address: a@b.id, name: x}", "data_dir"},
		{"plain mongodb to another host", "helpdesk: {address: a@b.id, name: x}\nmongodb: {uri: 'mongodb://db.example.org/?tls=false'}", "mongodb.uri"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tc.yaml), secretsEnv)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range CheckConfig(cfg, true) {
				found = found || (p.Key == tc.key && p.Fix != "")
			}
			if !found {
				t.Errorf("CheckConfig(%q) has no problem for key %s", tc.yaml, tc.key)
			}
		})
	}
}

func TestPlainTextAllowedWithInsecureOrLoopback(t *testing.T) {
	for _, yaml := range []string{
		"imap: {address: 'mail.example.org:143', tls: none, insecure: true}",
		"imap: {address: '127.0.0.1:143', tls: none}",
		"mongodb: {uri: 'mongodb://127.0.0.1:27017/?tls=false'}",
	} {
		cfg, err := ParseConfig([]byte("helpdesk: {address: a@b.id, name: x}\n"+yaml), secretsEnv)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range CheckConfig(cfg, true) {
			if !p.Warning && (p.Key == "imap.tls" || p.Key == "mongodb.uri") {
				t.Errorf("CheckConfig(%s): %s: %s", yaml, p.Key, p.Message)
			}
		}
	}
}

func TestUnknownKeyRejected(t *testing.T) {
	_, err := ParseConfig([]byte("helpdesk: {adress: a@b.id}"), secretsEnv)
	if err == nil || !strings.Contains(err.Error(), "adress") {
		t.Errorf("ParseConfig(typo) error = %v, want it to name the key", err)
	}
}

func TestSecretFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(path, []byte("from-file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(name string) string {
		if name == "KELUHAN_IMAP_PASSWORD_FILE" {
			return path
		}
		return ""
	}
	cfg, err := ParseConfig([]byte("imap: {password: in-yaml}"), env)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.IMAP.Password.Reveal(); got != "from-file-secret" {
		t.Errorf("password = %q, want the file's content", got)
	}
}

// TestConfigCheckHidesSecrets runs config check and looks for the secret
// values in everything it prints.
func TestConfigCheckHidesSecrets(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keluhan.yaml")
	yaml := "helpdesk: {address: a@b.id, name: x}\nimap: {address: 'bad', tls: none}\nmongodb: {uri: 'mongodb://u:mongo-secret-4@db.example:27017'}\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	a := &app{stdout: &out, stderr: &errOut, env: secretsEnv, configPath: path, p: printer{lang: "id"}}
	root := a.rootCommand()
	root.SetArgs([]string{"config", "check", "--config", path})
	root.SetOut(&out)
	root.SetErr(&errOut)
	_ = root.Execute() // the check fails on purpose; only its output matters
	all := out.String() + errOut.String()
	for _, secret := range []string{"imap-secret-value-1", "smtp-secret-value-2", "token-secret-value-3", "mongo-secret-4"} {
		if strings.Contains(all, secret) {
			t.Errorf("config check printed secret %q:\n%s", secret, all)
		}
	}
	if !strings.Contains(all, "imap.address") || !strings.Contains(all, "Perbaikan") {
		t.Errorf("config check output lacks the key or the fix:\n%s", all)
	}
}

func TestSyntaxErrorHidesTheFile(t *testing.T) {
	_, err := ParseConfig([]byte("helpdesk: {address: a@b.id, name: x}\nimap:\n  pasword: Imap-S3cret-XYZ\n"), secretsEnv)
	var syn *SyntaxError
	if !errors.As(err, &syn) || syn.Line != 3 {
		t.Fatalf("ParseConfig(typo) error = %v, want a SyntaxError on line 3", err)
	}
	if strings.Contains(err.Error(), "Imap-S3cret-XYZ") {
		t.Errorf("syntax error quotes the secret: %v", err)
	}
}

func TestSMTPWithoutAuthNeedsNoPassword(t *testing.T) {
	cfg, err := ParseConfig([]byte("helpdesk: {address: a@b.id, name: x}\nsmtp: {address: '127.0.0.1:25', username: helpdesk, auth: none, tls: none}"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range CheckConfig(cfg, true) {
		if p.Key == "smtp.password" {
			t.Errorf("CheckConfig(auth: none) = %s: %s", p.Key, p.Message)
		}
	}
}

func TestSecretInFileWarns(t *testing.T) {
	cfg, err := ParseConfig([]byte("helpdesk: {address: a@b.id, name: x}\nmongodb: {uri: 'mongodb://u:p@db.example.org/'}\nimap: {password: in-file}"), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, p := range CheckConfig(cfg, false) {
		if p.Warning {
			keys[p.Key] = true
		}
	}
	if !keys["mongodb.uri"] || !keys["imap.password"] {
		t.Errorf("warnings = %v, want mongodb.uri and imap.password", keys)
	}
}
