package mailer

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/goccy/go-yaml"
)

// labelsFile is the label catalog in each language folder.
const labelsFile = "labels.yaml"

// loadLabels reads a label catalog and flattens its nested mappings into
// dotted keys: state: {new: Baru} becomes "state.new" = "Baru". A
// language folder without a catalog has no labels.
func loadLabels(files *overlay, path string) (map[string]string, error) {
	src, err := files.readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}

	var tree map[string]any
	if err := yaml.Unmarshal(src, &tree); err != nil {
		return nil, fmt.Errorf("parse label catalog %s: %w", path, err)
	}

	labels := make(map[string]string)
	if err := flattenLabels(labels, "", tree); err != nil {
		return nil, fmt.Errorf("parse label catalog %s: %w", path, err)
	}
	return labels, nil
}

func flattenLabels(labels map[string]string, prefix string, tree map[string]any) error {
	for key, value := range tree {
		if prefix != "" {
			key = prefix + "." + key
		}
		switch v := value.(type) {
		case map[string]any:
			if err := flattenLabels(labels, key, v); err != nil {
				return err
			}
		case string:
			labels[key] = v
		case nil:
			return fmt.Errorf("label %s: empty value", key)
		default:
			labels[key] = fmt.Sprint(v)
		}
	}
	return nil
}
