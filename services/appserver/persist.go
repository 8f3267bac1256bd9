package appserver

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const fileExt = ".lic"

// fileName names a company's license file; the company id is hex-encoded
// so that no id can name a path outside Dir.
func fileName(company string) string { return hex.EncodeToString([]byte(company)) + fileExt }

// persist writes company's file atomically (temp file, fsync, rename).
func (h *Holder) persist(company string, file []byte) error {
	if err := os.MkdirAll(h.cfg.Dir, 0o700); err != nil {
		return fmt.Errorf("persisting license: %w", err)
	}
	tmp, err := os.CreateTemp(h.cfg.Dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("persisting license: %w", err)
	}
	_, werr := tmp.Write(file)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("persisting license: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(h.cfg.Dir, fileName(company))); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("persisting license: %w", err)
	}
	return nil
}

// load installs every license file in Dir, skipping (and logging) files
// that do not verify or are not named after their company.
func (h *Holder) load() error {
	entries, err := os.ReadDir(h.cfg.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("loading licenses: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), fileExt) {
			continue
		}
		path := filepath.Join(h.cfg.Dir, e.Name())
		file, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("loading licenses: %w", err)
		}
		lic, err := h.verify(file)
		if err == nil && fileName(lic.CompanyID) != e.Name() {
			err = ErrCompanyMismatch
		}
		if err != nil {
			h.cfg.Logger.Warn("appserver: skipping stored license file", "path", path, "err", err)
			continue
		}
		h.licenses[lic.CompanyID] = held{lic: lic, file: file}
	}
	return nil
}
