package workflow

import "testing"

func TestWithoutLinks(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Klik https://bank-palsu.example/login sekarang", "Klik […] sekarang"},
		{"lihat www.contoh.example/a?b=c.", "lihat […]"},
		{"tanpa tautan", "tanpa tautan"},
		{"(http://x.example/y)", "([…])"},
	}
	for _, tc := range cases {
		if got := withoutLinks(tc.in); got != tc.want {
			t.Errorf("withoutLinks(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
