package soa

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
)

// Document is a statement ready to hand over: the table and what makes it a record —
// which version it is and who approved it when. Version is nil for the working draft.
type Document struct {
	Statement Statement
	Version   *Version
}

// Formats lists the export formats.
var Formats = []string{"xlsx", "csv", "pdf", "oscal-profile", "oscal-component"}

// VersionLabel says which state of the statement the document shows.
func (d Document) VersionLabel() string {
	if d.Version == nil {
		return "Working draft (not a version; not approved)"
	}
	return "Version " + strconv.FormatInt(d.Version.Number, 10)
}

// ApprovalLabel says who approved it and when, or that nobody has.
func (d Document) ApprovalLabel() string {
	if d.Version == nil || !d.Version.Approved() {
		return "Not approved"
	}
	who := d.Version.ApprovedByEmail
	if who == "" {
		who = d.Version.ApprovedBy
	}
	return "Approved by " + who + " on " + d.Version.ApprovedAt.UTC().Format("2006-01-02 15:04 UTC")
}

// PreparedLabel says who froze the version and when.
func (d Document) PreparedLabel() string {
	if d.Version == nil {
		return "As of " + d.Statement.AsOf.UTC().Format("2006-01-02 15:04 UTC")
	}
	who := d.Version.PreparedByEmail
	if who == "" {
		who = d.Version.PreparedBy
	}
	return "Prepared by " + who + " on " + d.Version.PreparedAt.UTC().Format("2006-01-02 15:04 UTC")
}

// FileName is a download name for the format: soa-iso27001-2022-v3.xlsx.
func (d Document) FileName(format string) string {
	v := "draft"
	if d.Version != nil {
		v = "v" + strconv.FormatInt(d.Version.Number, 10)
	}
	ext := map[string]string{"xlsx": "xlsx", "csv": "csv", "pdf": "pdf", "oscal-profile": "profile.json", "oscal-component": "component-definition.json"}[format]
	return "soa-" + d.Statement.Catalog + "-" + v + "." + ext
}

// ContentType of each format.
func ContentType(format string) string {
	switch format {
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "csv":
		return "text/csv; charset=utf-8"
	case "pdf":
		return "application/pdf"
	}
	return "application/json"
}

var header = []string{"Control", "Title", "Theme / domain", "Applicable", "Justification", "Implementing controls (status)", "Implementation", "Evidence"}

func (e Row) row() []string {
	return []string{e.ItemID, e.Title, e.Group, e.ApplicabilityLabel(), e.justificationText(), e.ControlsText(),
		strings.ReplaceAll(string(e.ImplementationStatus), "_", " "), e.EvidenceText()}
}

func (e Row) justificationText() string {
	if e.Applicable == nil && e.Proposal != nil {
		return "Proposed (not confirmed): " + e.Proposal.Justification
	}
	return e.Justification
}

// CSV writes the table with a preamble of what the document is.
func CSV(d Document) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	st := d.Statement
	_ = w.Write([]string{"Statement of Applicability", st.CatalogTitle})
	_ = w.Write([]string{"Organisation", st.Organisation})
	_ = w.Write([]string{"Scope", st.Scope})
	_ = w.Write([]string{"Version", d.VersionLabel()})
	_ = w.Write([]string{"Prepared", d.PreparedLabel()})
	_ = w.Write([]string{"Approval", d.ApprovalLabel()})
	_ = w.Write(nil)
	_ = w.Write(header)
	for _, e := range st.Entries {
		_ = w.Write(safeCSV(e.row()))
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// safeCSV defuses cells a spreadsheet would run as a formula (text people typed).
func safeCSV(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			c = "'" + c
		}
		out[i] = c
	}
	return out
}

// XLSX writes the statement as a workbook: the table on one sheet with the document's
// details above it, header frozen, long text wrapped.
func XLSX(d Document) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Statement of Applicability"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	st := d.Statement
	meta := [][2]string{{"Statement of Applicability", st.CatalogTitle}, {"Organisation", st.Organisation}, {"Scope", st.Scope},
		{"Version", d.VersionLabel()}, {"Prepared", d.PreparedLabel()}, {"Approval", d.ApprovalLabel()}}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	wrap, _ := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	head, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDE5F0"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	for i, m := range meta {
		r := i + 1
		_ = f.SetCellStr(sheet, "A"+strconv.Itoa(r), m[0])
		_ = f.SetCellStr(sheet, "B"+strconv.Itoa(r), m[1])
		_ = f.SetCellStyle(sheet, "A"+strconv.Itoa(r), "A"+strconv.Itoa(r), bold)
	}
	top := len(meta) + 2
	for i, h := range header {
		cell, _ := excelize.CoordinatesToCellName(i+1, top)
		_ = f.SetCellStr(sheet, cell, h)
	}
	first, _ := excelize.CoordinatesToCellName(1, top)
	last, _ := excelize.CoordinatesToCellName(len(header), top)
	_ = f.SetCellStyle(sheet, first, last, head)
	for r, e := range st.Entries {
		for c, v := range e.row() {
			cell, _ := excelize.CoordinatesToCellName(c+1, top+1+r)
			// SetCellStr stores text as text, so nothing typed into a justification runs as a formula.
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				return nil, err
			}
		}
	}
	if len(st.Entries) > 0 {
		a, _ := excelize.CoordinatesToCellName(1, top+1)
		b, _ := excelize.CoordinatesToCellName(len(header), top+len(st.Entries))
		_ = f.SetCellStyle(sheet, a, b, wrap)
	}
	for col, w := range map[string]float64{"A": 10, "B": 40, "C": 22, "D": 12, "E": 60, "F": 45, "G": 14, "H": 45} {
		_ = f.SetColWidth(sheet, col, col, w)
	}
	_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: top, TopLeftCell: "A" + strconv.Itoa(top+1), ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PDF writes the statement as a document an auditor can file: title, organisation, scope,
// version, preparation and approval, the summary, then the table with its header repeated on
// every page, and page numbers "page n of m" in the footer.
func PDF(d Document) ([]byte, error) {
	st := d.Statement
	pdf := fpdf.New("L", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: the core fonts' encoding
	pdf.SetTitle("Statement of Applicability — "+st.CatalogTitle, true)
	pdf.SetCreator("Annexa", true)
	pdf.SetCreationDate(st.AsOf)
	pdf.SetModificationDate(st.AsOf)
	pdf.SetMargins(12, 12, 12)
	pdf.SetAutoPageBreak(false, 14)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("Helvetica", "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, tr(fmt.Sprintf("%s · %s · %s · %s", st.Organisation, "SoA "+st.Catalog, d.VersionLabel(), d.ApprovalLabel())), "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 4, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(0, 8, tr("Statement of Applicability"), "", "L", false)
	pdf.SetFont("Helvetica", "", 12)
	pdf.MultiCell(0, 6, tr(st.CatalogTitle+" — Annex A"), "", "L", false)
	pdf.Ln(2)
	scope := st.Scope
	if scope == "" {
		scope = "No scope statement has been recorded for this management system."
	}
	meta := [][2]string{{"Organisation", st.Organisation}, {"Scope", scope}, {"Version", d.VersionLabel()}, {"Prepared", d.PreparedLabel()},
		{"Approval", d.ApprovalLabel()}}
	if d.Version != nil && d.Version.Note != "" {
		meta = append(meta, [2]string{"Note", d.Version.Note})
	}
	s := st.Summary
	meta = append(meta, [2]string{"Summary", fmt.Sprintf("%d controls: %d applicable, %d excluded, %d not decided; %d applicable controls implemented; %d with valid evidence.",
		s.Total, s.Applicable, s.Excluded, s.Undecided+s.Proposed, s.Implemented, s.WithEvidence)})
	for _, m := range meta {
		pdf.SetFont("Helvetica", "B", 9)
		y := pdf.GetY()
		pdf.CellFormat(28, 5, tr(m[0]), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 9)
		pdf.SetXY(40, y)
		pdf.MultiCell(0, 5, tr(m[1]), "", "L", false)
	}
	pdf.Ln(3)

	widths := []float64{15, 45, 16, 78, 62, 22, 35}
	cols := []string{"Control", "Title", "Applicable", "Justification", "Implementing controls (status)", "Implementation", "Evidence"}
	const lh = 3.6
	_, pageH := pdf.GetPageSize()
	bottom := pageH - 14
	drawHead := func() {
		pdf.SetFont("Helvetica", "B", 7.5)
		pdf.SetFillColor(221, 229, 240)
		x := 12.0
		y := pdf.GetY()
		for i, c := range cols {
			pdf.Rect(x, y, widths[i], 2*lh+1, "FD")
			pdf.SetXY(x+0.8, y+0.5)
			pdf.MultiCell(widths[i]-1.6, lh, tr(c), "", "L", false)
			x += widths[i]
		}
		pdf.SetXY(12, y+2*lh+1)
		pdf.SetFont("Helvetica", "", 7.5)
	}
	drawHead()
	for _, e := range st.Entries {
		cells := []string{e.ItemID, e.Title, e.ApplicabilityLabel(), e.justificationText(), e.ControlsText(),
			strings.ReplaceAll(string(e.ImplementationStatus), "_", " "), e.EvidenceText()}
		lines := make([][]string, len(cells))
		n := 1
		for i, c := range cells {
			lines[i] = pdf.SplitText(tr(c), widths[i]-1.6)
			n = max(n, len(lines[i]))
		}
		h := float64(n)*lh + 1.2
		if pdf.GetY()+h > bottom {
			pdf.AddPage()
			drawHead()
		}
		y := pdf.GetY()
		x := 12.0
		for i := range cells {
			pdf.Rect(x, y, widths[i], h, "D")
			for k, l := range lines[i] {
				pdf.SetXY(x+0.8, y+0.6+float64(k)*lh)
				pdf.CellFormat(widths[i]-1.6, lh, l, "", 0, "L", false, 0, "")
			}
			x += widths[i]
		}
		pdf.SetXY(12, y+h)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render SoA PDF: %w", err)
	}
	return buf.Bytes(), nil
}

// OSCAL documents: the subset of OSCAL 1.2 an SoA needs.
const (
	oscalVersion = "1.2.2"
	annexaNS     = "https://annexa.dev/ns/oscal"
)

var uuidNamespace = uuid.MustParse("0b6d2f6c-5b7e-4c57-9a0e-7f0a6a1d9e21")

func stableUUID(parts ...string) string {
	return uuid.NewSHA1(uuidNamespace, []byte(strings.Join(parts, "\x1f"))).String()
}

type oProp struct {
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Value string `json:"value"`
}

type oParty struct {
	UUID string `json:"uuid"`
	Type string `json:"type"`
	Name string `json:"name"`
}

type oMetadata struct {
	Title        string   `json:"title"`
	LastModified string   `json:"last-modified"`
	Version      string   `json:"version"`
	OSCALVersion string   `json:"oscal-version"`
	Props        []oProp  `json:"props,omitempty"`
	Parties      []oParty `json:"parties,omitempty"`
	Remarks      string   `json:"remarks,omitempty"`
}

type oResource struct {
	UUID        string  `json:"uuid"`
	Title       string  `json:"title"`
	Description string  `json:"description,omitempty"`
	Props       []oProp `json:"props,omitempty"`
}

type oBackMatter struct {
	Resources []oResource `json:"resources"`
}

func (d Document) metadata(title string) oMetadata {
	st := d.Statement
	m := oMetadata{Title: title, LastModified: d.lastModified(), Version: d.oscalVersionLabel(), OSCALVersion: oscalVersion,
		Props:   []oProp{{Name: "catalog-id", NS: annexaNS, Value: st.Catalog}, {Name: "approval", NS: annexaNS, Value: d.approvalState()}},
		Parties: []oParty{{UUID: stableUUID("party", st.Organisation), Type: "organization", Name: nonEmpty(st.Organisation, "Organisation")}}}
	remarks := []string{d.PreparedLabel() + ".", d.ApprovalLabel() + "."}
	if st.Scope != "" {
		remarks = append(remarks, "Scope: "+st.Scope)
	}
	m.Remarks = strings.Join(remarks, "\n\n")
	return m
}

func (d Document) approvalState() string {
	if d.Version != nil && d.Version.Approved() {
		return "approved"
	}
	return "not-approved"
}

func (d Document) oscalVersionLabel() string {
	if d.Version == nil {
		return "draft"
	}
	return strconv.FormatInt(d.Version.Number, 10)
}

func (d Document) lastModified() string {
	t := d.Statement.AsOf
	if d.Version != nil {
		t = d.Version.PreparedAt
		if d.Version.ApprovedAt != nil {
			t = *d.Version.ApprovedAt
		}
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

func nonEmpty(s, fallback string) string {
	if strings.TrimSpace(s) == "" {
		return fallback
	}
	return s
}

func (d Document) docKey() string {
	return d.Statement.Organisation + "\x1f" + d.Statement.Catalog + "\x1f" + d.oscalVersionLabel() + "\x1f" + d.lastModified()
}

// OSCALProfile writes an OSCAL profile that selects the applicable controls from the
// standard's catalog (as Annexa exports it), with each exclusion's justification kept in
// the profile's back-matter.
func OSCALProfile(d Document) ([]byte, error) {
	st := d.Statement
	var ids []string
	var excluded []string
	for _, e := range st.Entries {
		switch {
		case e.Applicable != nil && *e.Applicable:
			ids = append(ids, catalog.OSCALID(e.ItemID))
		case e.Applicable != nil:
			excluded = append(excluded, e.ItemID+": "+e.Justification)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no control of %s is decided applicable, so a profile would select nothing", st.Catalog)
	}
	res := stableUUID("catalog-resource", st.Catalog)
	type selectIDs struct {
		WithIDs []string `json:"with-ids"`
	}
	type imp struct {
		Href            string      `json:"href"`
		IncludeControls []selectIDs `json:"include-controls"`
	}
	type profile struct {
		UUID       string      `json:"uuid"`
		Metadata   oMetadata   `json:"metadata"`
		Imports    []imp       `json:"imports"`
		BackMatter oBackMatter `json:"back-matter"`
	}
	md := d.metadata("Statement of Applicability: " + st.CatalogTitle + " (applicable controls)")
	catRes := oResource{UUID: res, Title: st.CatalogTitle, Description: "The " + st.Catalog + " catalog as exported by Annexa (annexa catalog export " + st.Catalog + " --format oscal).",
		Props: []oProp{{Name: "catalog-id", NS: annexaNS, Value: st.Catalog}}}
	bm := oBackMatter{Resources: []oResource{catRes}}
	if len(excluded) > 0 {
		bm.Resources = append(bm.Resources, oResource{UUID: stableUUID("exclusions", d.docKey()), Title: "Excluded controls and their justification",
			Description: strings.Join(excluded, "\n\n")})
	}
	doc := map[string]profile{"profile": {UUID: stableUUID("profile", d.docKey()), Metadata: md,
		Imports: []imp{{Href: "#" + res, IncludeControls: []selectIDs{{WithIDs: ids}}}}, BackMatter: bm}}
	return json.MarshalIndent(doc, "", "  ")
}

// oscalStatus maps a control status onto OSCAL's implementation-status values.
func oscalStatus(s control.Status) string {
	switch s {
	case control.Implemented:
		return "implemented"
	case control.Partial:
		return "partial"
	case control.NotApplicable:
		return "not-applicable"
	}
	return "planned"
}

// OSCALComponent writes an OSCAL component definition: the organisation's control set as
// one component whose implemented requirements are the applicable controls, each described
// by the organisation's implementing controls with their status, and with the evidence.
func OSCALComponent(d Document, controls []control.Control) ([]byte, error) {
	st := d.Statement
	byID := map[string]control.Control{}
	for _, c := range controls {
		byID[c.ID] = c
	}
	type implReq struct {
		UUID        string  `json:"uuid"`
		ControlID   string  `json:"control-id"`
		Description string  `json:"description"`
		Props       []oProp `json:"props,omitempty"`
		Remarks     string  `json:"remarks,omitempty"`
	}
	type controlImpl struct {
		UUID                    string    `json:"uuid"`
		Source                  string    `json:"source"`
		Description             string    `json:"description"`
		ImplementedRequirements []implReq `json:"implemented-requirements"`
	}
	type component struct {
		UUID                   string        `json:"uuid"`
		Type                   string        `json:"type"`
		Title                  string        `json:"title"`
		Description            string        `json:"description"`
		Props                  []oProp       `json:"props,omitempty"`
		ControlImplementations []controlImpl `json:"control-implementations"`
	}
	type compDef struct {
		UUID       string      `json:"uuid"`
		Metadata   oMetadata   `json:"metadata"`
		Components []component `json:"components"`
		BackMatter oBackMatter `json:"back-matter"`
	}
	key := d.docKey()
	var reqs []implReq
	for _, e := range st.Entries {
		if e.Applicable == nil || !*e.Applicable {
			continue
		}
		var desc []string
		for _, ref := range e.Controls {
			c := byID[ref.ID]
			line := ref.Title
			if ref.Ref != "" {
				line = ref.Ref + " " + line
			}
			line += " (" + strings.ReplaceAll(string(ref.Status), "_", " ") + ")"
			if c.Description != "" {
				line += ": " + c.Description
			}
			if ref.Generated {
				line += " [generated starter control, not yet confirmed]"
			}
			desc = append(desc, line)
		}
		if len(desc) == 0 {
			desc = []string{"No implementing control is recorded yet."}
		}
		r := implReq{UUID: stableUUID("requirement", key, e.ItemID), ControlID: catalog.OSCALID(e.ItemID), Description: strings.Join(desc, "\n\n"),
			Props: []oProp{{Name: "implementation-status", NS: annexaNS, Value: oscalStatus(e.ImplementationStatus)}, {Name: "label", NS: annexaNS, Value: e.ItemID}}}
		var remarks []string
		if e.Justification != "" {
			remarks = append(remarks, "Justification for inclusion: "+e.Justification)
		}
		if ev := e.EvidenceText(); ev != "" {
			remarks = append(remarks, "Evidence: "+ev)
		}
		r.Remarks = strings.Join(remarks, "\n\n")
		reqs = append(reqs, r)
	}
	if len(reqs) == 0 {
		return nil, fmt.Errorf("no control of %s is decided applicable, so there is no implementation to describe", st.Catalog)
	}
	res := stableUUID("catalog-resource", st.Catalog)
	doc := map[string]compDef{"component-definition": {
		UUID:     stableUUID("component-definition", key),
		Metadata: d.metadata("Control implementation: " + st.CatalogTitle),
		Components: []component{{
			UUID: stableUUID("component", key), Type: "policy", Title: nonEmpty(st.Organisation, "Organisation") + " control set",
			Description: "The organisation's own controls that implement the applicable controls of " + st.CatalogTitle + ", as recorded in Annexa.",
			ControlImplementations: []controlImpl{{UUID: stableUUID("control-implementation", key), Source: "#" + res,
				Description: "Implementation of the applicable Annex A controls per the Statement of Applicability (" + d.VersionLabel() + ").", ImplementedRequirements: reqs}},
		}},
		BackMatter: oBackMatter{Resources: []oResource{{UUID: res, Title: st.CatalogTitle, Props: []oProp{{Name: "catalog-id", NS: annexaNS, Value: st.Catalog}}}}},
	}}
	return json.MarshalIndent(doc, "", "  ")
}
