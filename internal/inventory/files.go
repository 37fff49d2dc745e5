package inventory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/annexa-dev/annexa/internal/spreadsheet"
	"github.com/xuri/excelize/v2"
)

// Format is a file format of the register.
type Format string

const (
	CSV       Format = "csv"
	XLSX      Format = "xlsx"
	CycloneDX Format = "cyclonedx"
)

// Formats lists the export formats; CSV and XLSX can also be imported.
var Formats = []Format{CSV, XLSX, CycloneDX}

// MediaType is the format's content type.
func (f Format) MediaType() string {
	switch f {
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case CycloneDX:
		return "application/vnd.cyclonedx+json; version=1.6"
	}
	return "text/csv; charset=utf-8"
}

// Extension is the format's usual file name ending.
func (f Format) Extension() string {
	if f == CycloneDX {
		return "cdx.json"
	}
	return string(f)
}

// SheetName is the worksheet an XLSX export writes and an import prefers.
const SheetName = "AI systems"

// WriteCSV writes the systems as CSV with a header row of Columns.
func WriteCSV(w io.Writer, systems []System, ownerEmail func(string) string) error {
	return spreadsheet.WriteCSV(w, Columns, func(yield func([]string) bool) {
		for _, s := range systems {
			if !yield(Record(s, ownerEmail)) {
				return
			}
		}
	})
}

// ReadCSV decodes a CSV inventory file. A file that cannot be read at all (bad quoting, a bad
// header, too many rows) is an error naming the line; problems within rows are in each Row.
func ReadCSV(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(io.LimitReader(r, MaxImportBytes+1))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fileError("header", "the file is empty; the first line must name the columns")
	}
	if err != nil {
		return nil, csvError(err)
	}
	t, err := newTable(header)
	if err != nil {
		return nil, err
	}
	read := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		cells := make([]string, len(rec))
		for i, c := range rec {
			read += len(c)
			cells[i] = spreadsheet.UnescapeCell(strings.TrimSpace(c))
		}
		if read > MaxImportBytes {
			return nil, fileError("body", "the file is larger than %d MiB", MaxImportBytes>>20)
		}
		if err := t.add(line, cells); err != nil {
			return nil, err
		}
	}
	return t.rows, nil
}

func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileError(RowField(pe.StartLine, ""), "line %d: %s", pe.Line, pe.Err)
	}
	return fileError("body", "could not be read as CSV: %s", err)
}

// WriteXLSX writes the systems as one worksheet with a header row of Columns. Cells are
// written as text, never as formulas.
func WriteXLSX(w io.Writer, systems []System, ownerEmail func(string) string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head := make([]any, len(Columns))
	for i, c := range Columns {
		head[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{}); err != nil {
		return err
	}
	row := make([]any, len(Columns))
	for i, s := range systems {
		for j, v := range Record(s, ownerEmail) {
			row[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// ReadXLSX decodes an XLSX inventory file: the "AI systems" worksheet if there is one, else
// the first. Lines are the worksheet's row numbers.
func ReadXLSX(r io.Reader) (rows []Row, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fileError("body", "could not be read: %s", err)
	}
	if len(data) > MaxImportBytes {
		return nil, fileError("body", "the file is larger than %d MiB", MaxImportBytes>>20)
	}
	// The workbook parser is outside code fed with outside input: a panic in it must be a
	// refused file, not a crashed server.
	defer func() {
		if p := recover(); p != nil {
			rows, err = nil, fileError("body", "is not a readable XLSX workbook")
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 4 * MaxImportBytes, UnzipXMLSizeLimit: MaxImportBytes})
	if err != nil {
		return nil, fileError("body", "is not a readable XLSX workbook: %s", clip(err.Error()))
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("body", "the workbook has no worksheet")
	}
	sheet := sheets[0]
	for _, s := range sheets {
		if s == SheetName {
			sheet = s
		}
	}
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, fileError("body", "worksheet %q cannot be read: %s", sheet, clip(err.Error()))
	}
	defer it.Close()
	var t *table
	for n := 1; it.Next(); n++ {
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fileError(RowField(n, ""), "line %d: %s", n, clip(err.Error()))
		}
		if t == nil {
			if len(cells) == 0 {
				return nil, fileError("header", "line 1: the first row must name the columns")
			}
			if t, err = newTable(cells); err != nil {
				return nil, err
			}
			continue
		}
		if err := t.add(n, cells); err != nil {
			return nil, err
		}
	}
	if err := it.Error(); err != nil {
		return nil, fileError("body", "worksheet %q cannot be read: %s", sheet, clip(err.Error()))
	}
	if t == nil {
		return nil, fileError("header", "the worksheet is empty; the first row must name the columns")
	}
	return t.rows, nil
}

// Read decodes an inventory file in format f.
func Read(f Format, r io.Reader) ([]Row, error) {
	switch f {
	case CSV:
		return ReadCSV(r)
	case XLSX:
		return ReadXLSX(r)
	}
	return nil, fmt.Errorf("inventory: cannot import %s", f)
}

// Sniff tells an XLSX workbook (a zip archive) from CSV by its first bytes.
func Sniff(head []byte) Format {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return XLSX
	}
	return CSV
}
