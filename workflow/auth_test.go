package workflow

import "testing"

func TestProveByAuthResults(t *testing.T) {
	trusted := []string{"mx.layanan.example.go.id"}
	from := "petugas@layanan.example.go.id"
	pass := "mx.layanan.example.go.id; spf=pass smtp.mailfrom=layanan.example.go.id; dkim=pass header.d=layanan.example.go.id; dmarc=pass header.from=layanan.example.go.id"
	cases := []struct {
		name    string
		headers []string
		from    string
		want    bool
		method  string
	}{
		{"dmarc pass from trusted", []string{pass}, from, true, "dmarc"},
		{"aligned dkim only", []string{"mx.layanan.example.go.id; dkim=pass header.d=example.go.id; dmarc=none"}, from, true, "dkim"},
		{"no header", nil, from, false, ""},
		{"untrusted authserv-id", []string{"mx.evil.example; dmarc=pass header.from=layanan.example.go.id"}, from, false, ""},
		{"forged header above the trusted one", []string{"mx.evil.example; dmarc=pass header.from=layanan.example.go.id", pass}, from, false, ""},
		{"trusted but failing", []string{"mx.layanan.example.go.id; dkim=fail header.d=layanan.example.go.id; dmarc=fail header.from=layanan.example.go.id"}, from, false, ""},
		{"pass for another domain", []string{"mx.layanan.example.go.id; dkim=pass header.d=attacker.example; dmarc=pass header.from=attacker.example"}, from, false, ""},
		{"dkim of a public suffix", []string{"mx.layanan.example.go.id; dkim=pass header.d=go.id"}, from, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ProveByAuthResults(tc.headers, tc.from, trusted)
			if p.OK != tc.want || p.Method != tc.method {
				t.Errorf("ProveByAuthResults = %+v, want ok %v method %q", p, tc.want, tc.method)
			}
		})
	}
}
