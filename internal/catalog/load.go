package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/annexa-dev/annexa/catalogs"
)

// Directories of catalogs.FS this package owns.
const (
	frameworksDir = "frameworks"
	crosswalksDir = "crosswalks"
)

// LoadEmbedded loads and validates every catalog and crosswalk embedded in the binary.
func LoadEmbedded() (*Library, error) { return Load(catalogs.FS) }

// Load reads frameworks/*.json and crosswalks/*.json from fsys, validates each against the
// data contract and resolves both ends of every crosswalk whose catalogs are present.
// A crosswalk whose catalog is not (yet) present is kept but not followed; see Pending.
// All problems are returned together, each naming its file, element and reason.
func Load(fsys fs.FS) (*Library, error) {
	l := NewLibrary()
	var errs []error
	catFiles, err := jsonFiles(fsys, frameworksDir)
	if err != nil {
		return nil, err
	}
	for _, name := range catFiles {
		var c Catalog
		if err := decodeFile(fsys, name, &c); err != nil {
			errs = append(errs, err)
			continue
		}
		if stem := strings.TrimSuffix(path.Base(name), ".json"); c.ID != stem {
			errs = append(errs, &ValidationError{File: name, Reason: fmt.Sprintf("catalog id %q does not match file name %q", c.ID, stem)})
		}
		if err := c.Validate(name); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := l.catalogs[c.ID]; dup {
			errs = append(errs, &ValidationError{File: name, Reason: fmt.Sprintf("catalog %q is defined twice", c.ID)})
			continue
		}
		cc := c
		l.catalogs[c.ID] = &cc
	}
	xwFiles, err := jsonFiles(fsys, crosswalksDir)
	if err != nil {
		return nil, err
	}
	for _, name := range xwFiles {
		var x Crosswalk
		if err := decodeFile(fsys, name, &x); err != nil {
			errs = append(errs, err)
			continue
		}
		if stem := strings.TrimSuffix(path.Base(name), ".json"); x.ID != stem {
			errs = append(errs, &ValidationError{File: name, Reason: fmt.Sprintf("crosswalk id %q does not match file name %q", x.ID, stem)})
		}
		if err := x.Validate(name); err != nil {
			errs = append(errs, err)
			continue
		}
		from, okF := l.catalogs[x.From]
		to, okT := l.catalogs[x.To]
		if okF && okT {
			if err := x.CheckEnds(name, from, to); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		if _, dup := l.crosswalks[x.ID]; dup {
			errs = append(errs, &ValidationError{File: name, Reason: fmt.Sprintf("crosswalk %q is defined twice", x.ID)})
			continue
		}
		xx := x
		xx.file = name
		l.crosswalks[x.ID] = &xx
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return l, nil
}

func jsonFiles(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			out = append(out, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// decodeFile decodes strictly: an unknown field is a typo in the data, not something to
// ignore silently.
func decodeFile(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return &ValidationError{File: name, Reason: err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &ValidationError{File: name, Reason: describeJSONError(data, err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &ValidationError{File: name, Reason: "trailing data after the JSON document"}
	}
	return nil
}

// describeJSONError turns a decoding error into a reason with a line and column.
func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line, col := lineCol(data, syn.Offset)
		return fmt.Sprintf("line %d, column %d: %v", line, col, err)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := lineCol(data, typ.Offset)
		return fmt.Sprintf("line %d, column %d: field %q: expected %s, got JSON %s", line, col, typ.Field, typ.Type, typ.Value)
	}
	return err.Error()
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}
