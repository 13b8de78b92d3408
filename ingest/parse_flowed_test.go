package ingest

import "testing"

func TestUnflow(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		delSp bool
		want  string
	}{
		{"soft breaks joined", "Pengaduan saya belum \ndijawab oleh \npetugas.\nBaris baru.", false, "Pengaduan saya belum dijawab oleh petugas.\nBaris baru."},
		{"delsp", "panj \nang", true, "panjang"},
		{"space stuffing removed", " From the start\n >not a quote", false, "From the start\n>not a quote"},
		{"quote depth kept", "> kutipan yang \n> bersambung\nbalasan", false, "> kutipan yang bersambung\nbalasan"},
		{"depth change ends paragraph", "> a \n>> b\nc", false, "> a \n>> b\nc"},
		{"signature separator stays", "Salam \n-- \nAndi", false, "Salam \n-- \nAndi"},
		{"empty", "", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unflow(tt.in, tt.delSp); got != tt.want {
				t.Errorf("unflow(%q, %v) = %q, want %q", tt.in, tt.delSp, got, tt.want)
			}
		})
	}
}
