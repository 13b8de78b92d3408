package mailer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// overlay reads template files from an optional override folder first and
// from the embedded templates otherwise.
type overlay struct {
	base     fs.FS
	override fs.FS // nil without an override folder
}

// newOverlay checks that dir, when set, is a readable folder.
func newOverlay(base fs.FS, dir string) (*overlay, error) {
	o := &overlay{base: base}
	if dir == "" {
		return o, nil
	}

	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open templates folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("open templates folder %s: not a directory", dir)
	}
	o.override = os.DirFS(dir)
	return o, nil
}

// readFile returns the override file at name when there is one, and the
// embedded file otherwise.
func (o *overlay) readFile(name string) ([]byte, error) {
	if o.override != nil {
		data, err := fs.ReadFile(o.override, name)
		if err == nil {
			return data, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read template file: %w", err)
		}
	}

	data, err := fs.ReadFile(o.base, name)
	if err != nil {
		return nil, fmt.Errorf("read template file: %w", err)
	}
	return data, nil
}

// languages returns the sorted names of the language folders in both
// layers, leaving out hidden folders such as ".git".
func (o *overlay) languages() ([]string, error) {
	names, err := o.union(".", true)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(names, func(name string) bool {
		return strings.HasPrefix(name, ".")
	}), nil
}

// readDir returns the sorted names of the files in the folder name of
// both layers.
func (o *overlay) readDir(name string) ([]string, error) {
	return o.union(name, false)
}

// union lists the folders (dirs true) or the files in folder name of both
// layers. A folder missing from one layer is no error.
func (o *overlay) union(name string, dirs bool) ([]string, error) {
	var names []string
	for _, layer := range []fs.FS{o.base, o.override} {
		if layer == nil {
			continue
		}
		entries, err := fs.ReadDir(layer, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list templates in %s: %w", name, err)
		}
		for _, entry := range entries {
			if entry.IsDir() == dirs && !slices.Contains(names, entry.Name()) {
				names = append(names, entry.Name())
			}
		}
	}
	slices.Sort(names)
	return names, nil
}
