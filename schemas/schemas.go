// Package schemas holds the JSON Schemas (draft 2020-12) of every event
// detail-type and sample events that double as test fixtures.
//
// The schema of detail-type T is FileName(T) at the root of FS ("Checkout
// Completed" -> "checkout-completed.json"). Samples are complete EventBridge
// envelopes as targets receive them, under samples/ in FS.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// FS holds the schema files (*.json) and the sample events (samples/*.json).
//
//go:embed *.json samples/*.json
var FS embed.FS

// FileName is the schema file name of a detail-type: lower case, spaces
// turned into hyphens, ".json" appended.
func FileName(detailType string) string {
	return strings.ReplaceAll(strings.ToLower(detailType), " ", "-") + ".json"
}

// Schema returns the schema of detailType.
func Schema(detailType string) ([]byte, error) {
	b, err := FS.ReadFile(FileName(detailType))
	if err != nil {
		return nil, fmt.Errorf("schema of %q: %w", detailType, err)
	}
	return b, nil
}

// Sample returns the sample event called name (a file of samples/ with or
// without its ".json" suffix).
func Sample(name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".json")
	b, err := FS.ReadFile(path.Join("samples", name+".json"))
	if err != nil {
		return nil, fmt.Errorf("sample %q: %w", name, err)
	}
	return b, nil
}

// Samples lists the sample names, sorted, without ".json".
func Samples() []string {
	return list("samples")
}

// Files lists the schema file names, sorted.
func Files() []string {
	var out []string
	for _, n := range list(".") {
		out = append(out, n+".json")
	}
	return out
}

func list(dir string) []string {
	entries, err := fs.ReadDir(FS, dir)
	if err != nil {
		return nil // cannot happen: the directory is embedded
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			out = append(out, strings.TrimSuffix(e.Name(), ".json"))
		}
	}
	sort.Strings(out)
	return out
}
