package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/keluhan/keluhan/store"
)

func exportOptions(at time.Time, version string) ExportOptions {
	return ExportOptions{
		Collections:    store.ExportCollections,
		KeluhanVersion: version,
		Now:            func() time.Time { return at },
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	tests := []struct{ name, out string }{
		{"folder", "arsip"},
		{"tar", "arsip.tar.gz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			src := openStore(t)
			seeded := seed(t, src, 6)
			dir := t.TempDir()

			first := filepath.Join(dir, "1-"+tc.out)
			if _, err := Export(ctx, src, first, exportOptions(t0, "v1")); err != nil {
				t.Fatalf("Export(original) error: %v", err)
			}
			checkVerifies(t, first)

			dst := openStore(t)
			res, err := Import(ctx, dst, first, ImportOptions{Collections: store.ExportCollections, BatchDocs: 4})
			if err != nil {
				t.Fatalf("Import() error: %v", err)
			}
			for coll, n := range res.Read {
				if res.Inserted[coll] != n {
					t.Errorf("Import() inserted %d of %d %s", res.Inserted[coll], n, coll)
				}
			}

			second := filepath.Join(dir, "2-"+tc.out)
			if _, err := Export(ctx, dst, second, exportOptions(t0.Add(time.Hour), "v2")); err != nil {
				t.Fatalf("Export(restored) error: %v", err)
			}
			compareManifests(t, first, second)
			compareStores(t, src, dst, seeded)
		})
	}
}

func checkVerifies(t *testing.T, path string) {
	t.Helper()
	report, err := Verify(context.Background(), path, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify(%s) error: %v", path, err)
	}
	if !report.OK() {
		t.Fatalf("Verify(%s) = %+v, want OK", path, report)
	}
}

// readManifestOf returns the manifest of the archive at path with its
// file list.
func readManifestOf(t *testing.T, path string) (Header, []File) {
	t.Helper()
	var h Header
	var files []File
	found := false
	w := walkFunc{
		file: func(name string, r io.Reader) error {
			if name != manifestName {
				return nil
			}
			found = true
			var err error
			h, err = ReadManifest(r, func(f File) error { files = append(files, f); return nil })
			return err
		},
		bad: func(name, reason string) { t.Errorf("archive entry %s: %s", name, reason) },
	}
	if err := walkArchive(context.Background(), path, w); err != nil || !found {
		t.Fatalf("read manifest of %s: found %v, error %v", path, found, err)
	}
	return h, files
}

// compareManifests checks that two exports list the same files with the
// same checksums and counts, and differ only in the volatile fields.
func compareManifests(t *testing.T, first, second string) {
	t.Helper()
	h1, files1 := readManifestOf(t, first)
	h2, files2 := readManifestOf(t, second)
	if h1.CreatedAt.Equal(h2.CreatedAt) || h1.KeluhanVersion == h2.KeluhanVersion {
		t.Errorf("volatile fields equal: %v %q and %v %q", h1.CreatedAt, h1.KeluhanVersion, h2.CreatedAt, h2.KeluhanVersion)
	}
	h1.CreatedAt, h1.KeluhanVersion = time.Time{}, ""
	h2.CreatedAt, h2.KeluhanVersion = time.Time{}, ""
	if !reflect.DeepEqual(h1, h2) {
		t.Errorf("manifest headers differ:\n first  %+v\n second %+v", h1, h2)
	}
	if len(files1) != len(files2) {
		t.Errorf("manifests list %d and %d files", len(files1), len(files2))
	}
	for i := range min(len(files1), len(files2)) {
		if files1[i] != files2[i] {
			t.Errorf("manifest file %d = %+v, want %+v", i, files2[i], files1[i])
		}
	}
	if h1.Counts[KindEML] == 0 || h1.Counts[KindAttachments] == 0 || h1.Counts[KindBlobs] != 1 {
		t.Errorf("counts %v: want eml and attachments, and 1 blob", h1.Counts)
	}
}

// compareStores checks that the restored store holds what the original
// does and behaves alike.
func compareStores(t *testing.T, src, dst *store.Store, s seeded) {
	t.Helper()
	ctx := context.Background()
	want, got := dump(t, src), dump(t, dst)
	for kind := range want {
		if !slices.Equal(got[kind], want[kind]) {
			t.Errorf("restored %s differ:\n got  %v\n want %v", kind, got[kind], want[kind])
		}
	}

	for _, number := range s.tickets {
		wantT, err1 := src.Ticket(ctx, number)
		gotT, err2 := dst.Ticket(ctx, number)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(gotT, wantT) {
			t.Errorf("Ticket(%s) = %+v, %v, want %+v, %v", number, gotT, err2, wantT, err1)
		}
		wantR, _ := src.Records(ctx, number)
		gotR, err := dst.Records(ctx, number)
		if err != nil || len(wantR) == 0 || !reflect.DeepEqual(gotR, wantR) {
			t.Errorf("Records(%s) = %+v, %v, want %+v", number, gotR, err, wantR)
		}
	}
	wantLinks, _ := src.TicketsByMessageID(ctx, s.links)
	gotLinks, err := dst.TicketsByMessageID(ctx, s.links)
	if err != nil || len(wantLinks) != len(s.links) || !reflect.DeepEqual(gotLinks, wantLinks) {
		t.Errorf("TicketsByMessageID() = %v, %v, want %v", gotLinks, err, wantLinks)
	}
	wantOut, _ := src.OutboxCounts(ctx)
	gotOut, err := dst.OutboxCounts(ctx)
	if err != nil || !reflect.DeepEqual(gotOut, wantOut) {
		t.Errorf("OutboxCounts() = %v, %v, want %v", gotOut, err, wantOut)
	}
	next, err := dst.AllocateNumbers(ctx, "KLH-2026", 1)
	if want := int64(len(s.tickets) + 1); err != nil || next != want {
		t.Errorf("AllocateNumbers() after import = %d, %v, want %d", next, err, want)
	}
}

func TestExportRejectsExistingTarget(t *testing.T) {
	ctx := context.Background()
	src := openStore(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "penuh")
	must(t, os.MkdirAll(full, 0o700))
	must(t, os.WriteFile(filepath.Join(full, "x"), nil, 0o600))
	file := filepath.Join(dir, "ada.tar.gz")
	must(t, os.WriteFile(file, nil, 0o600))

	tests := []struct{ name, out string }{
		{"non-empty folder", full},
		{"existing tar", file},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Export(ctx, src, tc.out, exportOptions(t0, "v1"))
			if !errors.Is(err, ErrExists) {
				t.Errorf("Export(%s) error = %v, want ErrExists", tc.out, err)
			}
		})
	}

	empty := filepath.Join(dir, "kosong")
	must(t, os.MkdirAll(empty, 0o700))
	if _, err := Export(ctx, src, empty, exportOptions(t0, "v1")); err != nil {
		t.Errorf("Export(empty folder) error: %v", err)
	}
	checkVerifies(t, empty)
}

// mutation damages a folder archive.
type mutation func(t *testing.T, dir string)

func flipByte(name string) mutation {
	return func(t *testing.T, dir string) {
		path := filepath.Join(dir, filepath.FromSlash(name))
		data, err := os.ReadFile(path)
		must(t, err)
		data[len(data)/2] ^= 0x01
		must(t, os.WriteFile(path, data, 0o600))
	}
}

func removeFirst(prefix string) mutation {
	return func(t *testing.T, dir string) {
		matches, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(prefix)))
		if err != nil || len(matches) == 0 {
			t.Fatalf("no file matches %s: %v", prefix, err)
		}
		must(t, os.Remove(matches[0]))
	}
}

func addFile(name string) mutation {
	return func(t *testing.T, dir string) {
		must(t, os.WriteFile(filepath.Join(dir, name), []byte("catatan\n"), 0o600))
	}
}

// dropLastLine removes the last line of a collection file and updates
// the manifest's checksum of it, so that only the count differs.
func dropLastLine(name string) mutation {
	return func(t *testing.T, dir string) {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		must(t, err)
		lines := bytes.SplitAfter(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
		data = bytes.Join(lines[:len(lines)-1], nil)
		must(t, os.WriteFile(path, data, 0o600))

		mpath := filepath.Join(dir, manifestName)
		mf, err := os.Open(mpath)
		must(t, err)
		var list bytes.Buffer
		h, err := ReadManifest(mf, func(f File) error {
			if f.Name == name {
				f.Size, f.SHA256 = int64(len(data)), sha(data)
			}
			line, err := json.Marshal(f)
			list.Write(append(line, '\n'))
			return err
		})
		mf.Close()
		must(t, err)
		var out bytes.Buffer
		must(t, writeManifest(&out, h, &list))
		must(t, os.WriteFile(mpath, out.Bytes(), 0o600))
	}
}

func TestVerifyFindsDamage(t *testing.T) {
	ctx := context.Background()
	src := openStore(t)
	seed(t, src, 3)
	clean := filepath.Join(t.TempDir(), "arsip")
	if _, err := Export(ctx, src, clean, exportOptions(t0, "v1")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name                    string
		damage                  mutation
		missing, extra, changed int
		counts                  []string
	}{
		{"flipped byte", flipByte("tickets.jsonl"), 0, 0, 1, nil},
		{"missing eml", removeFirst("messages/*.eml"), 1, 0, 0, []string{KindEML}},
		{"extra file", addFile("catatan.txt"), 0, 1, 0, nil},
		{"extra jsonl", addFile("lain.jsonl"), 0, 1, 0, nil},
		{"document dropped", dropLastLine("records.jsonl"), 0, 0, 0, []string{"records"}},
	}
	for _, tc := range tests {
		for _, form := range []string{"folder", "tar"} {
			t.Run(tc.name+"/"+form, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "arsip")
				copyDir(t, clean, dir)
				tc.damage(t, dir)
				path := dir
				if form == "tar" {
					path = dir + ".tar.gz"
					packTar(t, dir, path)
				}

				r, err := Verify(ctx, path, VerifyOptions{})
				if err != nil {
					t.Fatalf("Verify() error: %v", err)
				}
				if r.OK() || r.MissingCount != tc.missing || r.ExtraCount != tc.extra || r.ChangedCount != tc.changed {
					t.Errorf("Verify() = missing %v, extra %v, changed %+v, want %d, %d, %d",
						r.Missing, r.Extra, r.Changed, tc.missing, tc.extra, tc.changed)
				}
				var kinds []string
				for _, c := range r.Counts {
					kinds = append(kinds, c.Kind)
				}
				if !slices.Equal(kinds, tc.counts) {
					t.Errorf("Verify() count mismatches = %+v, want kinds %v", r.Counts, tc.counts)
				}
			})
		}
	}
}

func TestVerifyWithoutManifest(t *testing.T) {
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "tickets.jsonl"), []byte("{}\n"), 0o600))
	_, err := Verify(context.Background(), dir, VerifyOptions{})
	if !errors.Is(err, ErrNoManifest) {
		t.Errorf("Verify(no manifest) error = %v, want ErrNoManifest", err)
	}
}

func TestImportRejectsBadArchive(t *testing.T) {
	ctx := context.Background()
	src := openStore(t)
	seed(t, src, 3)
	clean := filepath.Join(t.TempDir(), "arsip")
	if _, err := Export(ctx, src, clean, exportOptions(t0, "v1")); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name        string
		damage      mutation
		collections []string
		want        error
	}{
		{"flipped byte", flipByte("records.jsonl"), store.ExportCollections, ErrVerify},
		{"missing file", removeFirst("attachments/*/*"), store.ExportCollections, ErrVerify},
		{"unknown collection", nil, []string{"tickets", "records"}, ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "arsip")
			copyDir(t, clean, dir)
			if tc.damage != nil {
				tc.damage(t, dir)
			}
			path := dir + ".tar.gz"
			packTar(t, dir, path)

			dst := openStore(t)
			_, err := Import(ctx, dst, path, ImportOptions{Collections: tc.collections})
			if !errors.Is(err, tc.want) {
				t.Errorf("Import() error = %v, want %v", err, tc.want)
			}
			if empty, err := dst.Empty(ctx); err != nil || !empty {
				t.Errorf("Empty() after rejected import = %v, %v, want true", empty, err)
			}
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	must(t, os.CopyFS(to, os.DirFS(from)))
}

// packTar writes the folder archive dir as a tar.gz with the manifest
// last, as Export does.
func packTar(t *testing.T, dir, out string) {
	t.Helper()
	f, err := os.Create(out)
	must(t, err)
	defer f.Close()
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)

	var names []string
	must(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if filepath.ToSlash(rel) != manifestName {
			names = append(names, filepath.ToSlash(rel))
		}
		return err
	}))
	if _, err := os.Stat(filepath.Join(dir, manifestName)); err == nil {
		names = append(names, manifestName)
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		must(t, err)
		must(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg}))
		_, err = tw.Write(data)
		must(t, err)
	}
	must(t, tw.Close())
	must(t, gz.Close())
}
