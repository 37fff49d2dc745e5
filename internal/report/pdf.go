// Package report lays out the documents Annexa hands to auditors and to management — audit
// reports, management review minutes — as PDF: a title block, labelled facts, headed sections
// of text and tables whose header repeats on every page, and "page n of m" footers naming the
// document, so a printed page is never anonymous.
package report

import (
	"bytes"
	"fmt"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// Document is a report ready to render.
type Document struct {
	Title    string
	Subtitle string
	// Footer names the document on every page, e.g. "Acme · Audit report · completed 2026-10-03".
	Footer    string
	Created   time.Time
	Landscape bool
	// Facts are the labelled lines under the title: organisation, scope, dates, approval.
	Facts  []Fact
	Blocks []Block
}

// Fact is one labelled line of the title block.
type Fact struct{ Label, Value string }

// Block is one piece of the body: a Heading, a Paragraph or a Table.
type Block interface{ render(w *writer) }

// Heading starts a section.
type Heading string

// Paragraph is running text.
type Paragraph string

// Column is one column of a table; widths are millimetres.
type Column struct {
	Title string
	Width float64
}

// Table is rows of cells under a header that repeats after each page break. An empty table
// prints Empty instead.
type Table struct {
	Columns []Column
	Rows    [][]string
	Empty   string
}

// compress is switched off by tests so that the text can be found in the file.
var compress = true

const (
	margin     = 12.0
	lineHeight = 3.8
	footerRoom = 14.0
)

type writer struct {
	pdf    *fpdf.Fpdf
	tr     func(string) string
	bottom float64
}

// PDF renders the document.
func PDF(d Document) ([]byte, error) {
	orientation := "P"
	if d.Landscape {
		orientation = "L"
	}
	pdf := fpdf.New(orientation, "mm", "A4", "")
	pdf.SetCompression(compress)
	w := &writer{pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor("")} // cp1252: the core fonts' encoding
	pdf.SetTitle(d.Title, true)
	pdf.SetCreator("Annexa", true)
	pdf.SetCreationDate(d.Created)
	pdf.SetModificationDate(d.Created)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, footerRoom)
	pdf.AliasNbPages("{nb}")
	_, pageH := pdf.GetPageSize()
	w.bottom = pageH - footerRoom
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("Helvetica", "", 7)
		pdf.SetTextColor(90, 90, 90)
		page := fmt.Sprintf("Page %d of {nb}", pdf.PageNo())
		pageW, _ := pdf.GetPageSize()
		// The footer names the document in what room the page number leaves, shortened with an
		// ellipsis rather than running into it.
		room := pageW - 2*margin - pdf.GetStringWidth("Page 999 of 999") - 4
		pdf.CellFormat(room, 4, fitText(pdf, w.tr(d.Footer), room), "", 0, "L", false, 0, "")
		pdf.SetX(margin)
		pdf.CellFormat(0, 4, page, "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, w.tr(d.Title), "", "L", false)
	if d.Subtitle != "" {
		pdf.SetFont("Helvetica", "", 12)
		pdf.MultiCell(0, 6, w.tr(d.Subtitle), "", "L", false)
	}
	pdf.Ln(2)
	for _, f := range d.Facts {
		pdf.SetFont("Helvetica", "B", 9)
		y := pdf.GetY()
		pdf.CellFormat(32, 5, w.tr(f.Label), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		pdf.SetXY(margin+34, y)
		pdf.MultiCell(0, 5, w.tr(f.Value), "", "L", false)
	}
	for _, b := range d.Blocks {
		b.render(w)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render %s: %w", d.Title, err)
	}
	return buf.Bytes(), nil
}

// fitText shortens s with an ellipsis until it fits width millimetres in the current font.
func fitText(pdf *fpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)+"...") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "..."
}

func (h Heading) render(w *writer) {
	// Keep a heading with at least a few lines of what follows.
	if w.pdf.GetY()+20 > w.bottom {
		w.pdf.AddPage()
	}
	w.pdf.Ln(4)
	w.pdf.SetFont("Helvetica", "B", 11)
	w.pdf.MultiCell(0, 6, w.tr(string(h)), "", "L", false)
	w.pdf.Ln(1)
}

func (p Paragraph) render(w *writer) {
	w.pdf.SetFont("Helvetica", "", 9)
	w.pdf.MultiCell(0, 4.5, w.tr(string(p)), "", "L", false)
	w.pdf.Ln(1)
}

func (t Table) render(w *writer) {
	pdf := w.pdf
	if len(t.Rows) == 0 {
		pdf.SetFont("Helvetica", "I", 9)
		pdf.MultiCell(0, 4.5, w.tr(t.Empty), "", "L", false)
		return
	}
	// Rows are placed by hand so that a row never splits across pages.
	pdf.SetAutoPageBreak(false, footerRoom)
	defer pdf.SetAutoPageBreak(true, footerRoom)
	head := func() {
		pdf.SetFont("Helvetica", "B", 7.5)
		pdf.SetFillColor(221, 229, 240)
		x, y := margin, pdf.GetY()
		for _, c := range t.Columns {
			pdf.Rect(x, y, c.Width, lineHeight+1.2, "FD")
			pdf.SetXY(x+0.8, y+0.6)
			pdf.CellFormat(c.Width-1.6, lineHeight, w.tr(c.Title), "", 0, "L", false, 0, "")
			x += c.Width
		}
		pdf.SetXY(margin, y+lineHeight+1.2)
		pdf.SetFont("Helvetica", "", 7.5)
	}
	if pdf.GetY()+3*lineHeight > w.bottom {
		pdf.AddPage()
	}
	head()
	for _, row := range t.Rows {
		lines := make([][]string, len(t.Columns))
		n := 1
		for i, c := range t.Columns {
			cell := ""
			if i < len(row) {
				cell = row[i]
			}
			lines[i] = pdf.SplitText(w.tr(cell), c.Width-1.6)
			n = max(n, len(lines[i]))
		}
		// A row taller than the room left starts a new page; one taller than a whole page
		// continues on the next with the header repeated.
		if float64(n)*lineHeight+1.2 > w.bottom-pdf.GetY() && pdf.GetY() > margin+30 {
			pdf.AddPage()
			head()
		}
		for from := 0; from < n; {
			room := int((w.bottom - pdf.GetY() - 1.2) / lineHeight)
			if room < 1 {
				pdf.AddPage()
				head()
				continue
			}
			to := min(n, from+room)
			h := float64(to-from)*lineHeight + 1.2
			x, y := margin, pdf.GetY()
			for i, c := range t.Columns {
				pdf.Rect(x, y, c.Width, h, "D")
				for k := from; k < to && k < len(lines[i]); k++ {
					pdf.SetXY(x+0.8, y+0.6+float64(k-from)*lineHeight)
					pdf.CellFormat(c.Width-1.6, lineHeight, lines[i][k], "", 0, "L", false, 0, "")
				}
				x += c.Width
			}
			pdf.SetXY(margin, y+h)
			from = to
		}
	}
	pdf.Ln(2)
}
