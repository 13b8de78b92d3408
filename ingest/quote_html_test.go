package ingest

import (
	"strings"
	"testing"
)

func TestStripHTMLReply(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "gmail",
			in: `<div dir="ltr">Sudah saya coba, tetap gagal.</div><br><div class="gmail_quote gmail_quote_container">` +
				`<div dir="ltr" class="gmail_attr">Pada Sen, 5 Agu 2024 pukul 10.02 Helpdesk &lt;<a href="mailto:helpdesk@layanan.example.go.id">helpdesk@layanan.example.go.id</a>&gt; menulis:<br></div>` +
				`<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">Silakan coba reset kata sandi.</blockquote></div>`,
			want: "Sudah saya coba, tetap gagal.",
		},
		{
			name: "gmail with signature",
			in: `<div dir="ltr">Terlampir.<br clear="all"><br><span class="gmail_signature_prefix">-- </span><br>` +
				`<div dir="ltr" class="gmail_signature">Budi Santoso<br>Kantor Kuasa</div></div>`,
			want: "Terlampir.",
		},
		{
			name: "outlook web",
			in: `<html><body><div>Baik, terima kasih.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%">` +
				`<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri"><b>From:</b> Helpdesk<br><b>Sent:</b> Monday, August 5, 2024 10:02<br>` +
				`<b>To:</b> Budi<br><b>Subject:</b> Re: Tidak bisa login</font><div>&nbsp;</div></div><div>Silakan coba lagi.</div></body></html>`,
			want: "Baik, terima kasih.",
		},
		{
			name: "outlook web without appendonsend",
			in:   `<div>Oke.</div><hr><div id="divRplyFwdMsg"><b>Dari:</b> Helpdesk</div><div><p>Silakan.</p><p>#tutup</p></div>`,
			want: "Oke.",
		},
		{
			name: "outlook desktop",
			in: `<html><body><div class="WordSection1"><p class="MsoNormal">Sudah saya lampirkan.<o:p></o:p></p>` +
				`<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>Dari:</b> Helpdesk &lt;helpdesk@layanan.example.go.id&gt;<br>` +
				`<b>Dikirim:</b> Selasa, 06 Agustus 2024 10.15<br><b>Kepada:</b> Siti &lt;siti@example.com&gt;<br><b>Subjek:</b> RE: Pembayaran</p></div>` +
				`<p class="MsoNormal">Mohon lampirkan bukti.</p></div></body></html>`,
			want: "Sudah saya lampirkan.",
		},
		{
			name: "thunderbird",
			in: `<html><body><p>Berikut bukti bayarnya.</p><div class="moz-cite-prefix">On 8/5/24 10:02, Helpdesk wrote:<br></div>` +
				`<blockquote type="cite" cite="mid:klh.1@layanan.example.go.id">Mohon kirim bukti.</blockquote>` +
				`<pre class="moz-signature" cols="72">-- \nAndi Pratama</pre></body></html>`,
			want: "Berikut bukti bayarnya.",
		},
		{
			name: "apple mail",
			in: `<html><body><div>Terlampir surat kuasa.</div><div><br><blockquote type="cite"><div>On 5 Aug 2024, at 10:02, Helpdesk &lt;helpdesk@layanan.example.go.id&gt; wrote:</div>` +
				`<br><div><div>Mohon kirim surat kuasa.</div></div></blockquote></div></body></html>`,
			want: "Terlampir surat kuasa.",
		},
		{
			name: "apple mail attribution outside the blockquote",
			in: `<div>Terlampir.</div><div><br><div>On 5 Aug 2024, at 10:02, Helpdesk &lt;helpdesk@layanan.example.go.id&gt; wrote:</div>` +
				`<br><blockquote type="cite">Mohon kirim.</blockquote></div>`,
			want: "Terlampir.",
		},
		{
			name: "yahoo",
			in: `<div class="ydp1"><div>Sudah dicoba.</div></div><div id="yahoo_quoted_1234" class="yahoo_quoted">` +
				`<div>Pada Senin, 5 Agustus 2024 10.02.00 WIB, Helpdesk menulis:</div><div>Silakan coba lagi.</div></div>`,
			want: "Sudah dicoba.",
		},
		{
			name: "iphone",
			in: `<html><body dir="auto">Sudah pak.<br><br><div dir="ltr">Dikirim dari iPhone saya</div><div dir="ltr"><br>` +
				`<blockquote type="cite">Pada 5 Agu 2024, pukul 10.02, Helpdesk menulis:<br><br></blockquote></div></body></html>`,
			want: "Sudah pak.",
		},
		{
			name: "plain html without quote",
			in:   `<p>Selamat malam,</p><p>Saya <b>tidak menerima email verifikasi</b>.</p>`,
			want: "Selamat malam,\n\nSaya *tidak menerima email verifikasi*.",
		},
		{
			name: "nested deeper than the parser accepts",
			in:   strings.Repeat("<div>", 600) + "Isi balasan" + strings.Repeat("</div>", 600),
			want: "Isi balasan",
		},
		{name: "empty", in: "", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := StripHTMLReply(tt.in); got != tt.want {
				t.Errorf("StripHTMLReply(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
