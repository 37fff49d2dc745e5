package catalog

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"
)

var itemColumns = []string{"catalog", "id", "kind", "group", "parent", "title", "summary", "attrs"}

func itemRow(c *Catalog, it Item) []string {
	keys := make([]string, 0, len(it.Attrs))
	for k := range it.Attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]string, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, k+"="+strings.Join(it.Attrs[k], "|"))
	}
	return []string{c.ID, it.ID, it.Kind, it.Group, it.Parent, it.Title, it.Summary, strings.Join(attrs, "; ")}
}

// WriteCSV writes the catalog's items, one a row, with a header row. attrs are written as
// key=value|value; key=value.
func (c *Catalog) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(itemColumns); err != nil {
		return err
	}
	for _, it := range c.Items {
		if err := cw.Write(itemRow(c, it)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the catalog's items as an Excel workbook: one sheet of items with the
// same columns as WriteCSV, and one sheet describing the catalog and its source.
func (c *Catalog) WriteXLSX(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Items"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	rows := [][]string{itemColumns}
	for _, it := range c.Items {
		rows = append(rows, itemRow(c, it))
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
	}
	if err := f.SetRowStyle(sheet, 1, 1, bold); err != nil {
		return err
	}
	widths := map[string]float64{"A": 16, "B": 14, "C": 12, "D": 10, "E": 10, "F": 60, "G": 80, "H": 30}
	for col, wd := range widths {
		if err := f.SetColWidth(sheet, col, col, wd); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	about := "About"
	if _, err := f.NewSheet(about); err != nil {
		return err
	}
	info := [][2]string{{"id", c.ID}, {"title", c.Title}, {"version", c.Version}, {"data version", fmt.Sprint(c.DataVersion)},
		{"kind", string(c.Kind)}, {"publisher", c.Publisher}, {"source", c.Source}, {"notice", c.Notice}, {"as of", c.AsOf}}
	for i, kv := range info {
		if err := f.SetSheetRow(about, fmt.Sprintf("A%d", i+1), &[]any{kv[0], kv[1]}); err != nil {
			return err
		}
	}
	return f.Write(w)
}

var crosswalkColumns = []string{"kind", "from_catalog", "from_id", "from_title", "to_catalog", "to_id", "to_title",
	"relationship", "provenance", "confidence", "rationale"}

// WriteCrosswalkCSV writes a crosswalk's pairs, then its no-counterpart entries (kind
// "no_counterpart", the other side empty, the reason in rationale). Titles are looked up
// in the library and left empty for a catalog that is not loaded.
func (l *Library) WriteCrosswalkCSV(w io.Writer, x *Crosswalk) error {
	title := func(cat, id string) string {
		if c, ok := l.Catalog(cat); ok {
			if it, ok := c.Item(id); ok {
				return it.Title
			}
		}
		return ""
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(crosswalkColumns); err != nil {
		return err
	}
	for _, m := range x.Mappings {
		if err := cw.Write([]string{"mapping", x.From, m.From, title(x.From, m.From), x.To, m.To, title(x.To, m.To),
			string(m.Relationship), string(m.Provenance), string(m.Confidence), m.Rationale}); err != nil {
			return err
		}
	}
	for _, n := range x.NoCounterpart {
		row := []string{"no_counterpart", "", "", "", "", "", "", "", "", "", n.Reason}
		if n.Side == "from" {
			row[1], row[2], row[3] = x.From, n.ID, title(x.From, n.ID)
		} else {
			row[4], row[5], row[6] = x.To, n.ID, title(x.To, n.ID)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
