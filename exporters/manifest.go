package exporters

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Manifest describes one published as_of folder. It is written as
// manifest.json after every data file and before _SUCCESS.
type Manifest struct {
	// AsOf is the exported date, YYYY-MM-DD.
	AsOf string `json:"as_of"`
	// PreviousAsOf is the as_of segment_changes compares with (the latest
	// earlier export in the same directory), empty when there was none.
	PreviousAsOf string `json:"previous_as_of,omitempty"`
	// RunID identifies the run that wrote the folder.
	RunID string `json:"run_id"`
	// CreatedAt is when the folder was completed, UTC. It is the only
	// value that differs between two exports of the same data.
	CreatedAt time.Time `json:"created_at"`
	// Files lists the data files in export order: by table, then parquet,
	// csv, arrow.
	Files []ManifestFile `json:"files"`
}

// ManifestFile describes one data file.
type ManifestFile struct {
	// Path is the file's name inside the as_of folder: TABLE.EXT.
	Path   string `json:"path"`
	Table  string `json:"table"`
	Format string `json:"format"`
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	// SHA256 is the hex SHA-256 of the file's bytes.
	SHA256 string `json:"sha256"`
	// Columns are the file's columns in order, with their ClickHouse types.
	Columns []Column `json:"columns"`
}

func (m *Manifest) encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// ReadManifest reads the manifest of a published as_of folder. It refuses
// a folder without _SUCCESS: such a folder is not complete.
func ReadManifest(folder string) (*Manifest, error) {
	if _, err := os.Stat(filepath.Join(folder, successFile)); err != nil {
		return nil, fmt.Errorf("read manifest of %s: no %s: %w", folder, successFile, err)
	}
	b, err := os.ReadFile(filepath.Join(folder, manifestFile))
	if err != nil {
		return nil, fmt.Errorf("read manifest of %s: %w", folder, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest of %s: %w", folder, err)
	}
	return &m, nil
}
