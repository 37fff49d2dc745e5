// Package spreadsheet holds what every CSV export and import of Annexa shares: keeping a cell
// from running as a formula when the file is opened in a spreadsheet (CSV injection), and
// writing a header row and records.
package spreadsheet

import (
	"encoding/csv"
	"io"
	"strings"
)

// formulaStart are the first characters that make a spreadsheet read a cell as a formula.
const formulaStart = "=+-@\t\r"

// EscapeCell prefixes a cell that a spreadsheet would run as a formula with a quote, which
// spreadsheets hide and UnescapeCell removes on import.
func EscapeCell(s string) string {
	if s != "" && (strings.ContainsRune(formulaStart, rune(s[0])) || s[0] == '\'') {
		return "'" + s
	}
	return s
}

// UnescapeCell undoes EscapeCell.
func UnescapeCell(s string) string {
	if len(s) >= 2 && s[0] == '\'' && (strings.ContainsRune(formulaStart, rune(s[1])) || s[1] == '\'') {
		return s[1:]
	}
	return s
}

// WriteCSV writes the header and then each record, every cell escaped.
func WriteCSV(w io.Writer, header []string, records func(yield func([]string) bool)) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	var err error
	records(func(rec []string) bool {
		out := make([]string, len(rec))
		for i, c := range rec {
			out[i] = EscapeCell(c)
		}
		err = cw.Write(out)
		return err == nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
