package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
)

func (s *Server) inventoryFileRoutes() []Route {
	return []Route{
		{Method: "GET", Pattern: "/api/v1/ai-systems/export", Tag: "AI systems",
			Summary:    "Export the register (filtered like the list) as CSV or XLSX — a header row of API field names, owners by e-mail — or as a CycloneDX 1.6 ML-BOM",
			Permission: auth.ReadRecords, Params: append([]Param{
				{Name: "format", In: "query", Description: "csv (default), xlsx or cyclonedx"},
			}, filterParams...),
			Produces: []string{"text/csv", inventory.XLSX.MediaType(), "application/vnd.cyclonedx+json"}, Handle: s.exportSystems},
		{Method: "POST", Pattern: "/api/v1/ai-systems/import", Tag: "AI systems",
			Summary: "Import a CSV (text/csv) or XLSX (" + inventory.XLSX.MediaType() + ") register in one transaction: rows with an id update that system, the others create one. " +
				"Any bad row refuses the import with a 422 naming each problem as rows[<line>].<column>, unless skip_invalid is set",
			Permission: auth.ManageInventory, Params: []Param{
				{Name: "skip_invalid", In: "query", Type: "boolean", Description: "import the good rows and report the bad ones"},
				{Name: "dry_run", In: "query", Type: "boolean", Description: "check and report what would be imported; change nothing"},
			},
			Upload: "text/csv", Response: inventory.RegisterImport{}, Handle: s.importSystems},
	}
}

func (s *Server) exportSystems(c *Call) (any, error) {
	ctx := c.R.Context()
	q := c.R.URL.Query()
	format := inventory.Format(strings.ToLower(q.Get("format")))
	if format == "" {
		format = inventory.CSV
	}
	if format != inventory.CSV && format != inventory.XLSX && format != inventory.CycloneDX {
		return nil, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "format", Message: "must be csv, xlsx or cyclonedx"}}}
	}
	f, err := systemFilter(q)
	if err != nil {
		return nil, err
	}
	systems, err := s.db.AllSystems(ctx, c.Principal.OrgID, f)
	if err != nil {
		return nil, err
	}
	emails, err := s.db.MemberEmails(ctx, c.Principal.OrgID)
	if err != nil {
		return nil, err
	}
	email := func(id string) string { return emails[id] }
	var b bytes.Buffer
	switch format {
	case inventory.CSV:
		err = inventory.WriteCSV(&b, systems, email)
	case inventory.XLSX:
		err = inventory.WriteXLSX(&b, systems, email)
	case inventory.CycloneDX:
		bom := inventory.MLBOM(systems, email, inventory.MLBOMOptions{Organisation: c.Principal.OrgName, Tool: "annexa " + Version,
			At: time.Now(), SerialNumber: "urn:uuid:" + uuid.NewString()})
		err = inventory.WriteMLBOM(&b, bom)
	}
	if err != nil {
		return nil, fault.Wrap(err, "export the register")
	}
	name := "ai-systems-" + time.Now().UTC().Format("2006-01-02") + "." + format.Extension()
	return &Download{ContentType: format.MediaType(), Name: name, Data: b.Bytes()}, nil
}

func (s *Server) importSystems(c *Call) (any, error) {
	q := c.R.URL.Query()
	skip, err := boolParam(q.Get("skip_invalid"), "skip_invalid")
	if err != nil {
		return nil, err
	}
	dry, err := boolParam(q.Get("dry_run"), "dry_run")
	if err != nil {
		return nil, err
	}
	body, format, err := importBody(c)
	if err != nil {
		return nil, err
	}
	rows, err := inventory.Read(format, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	opts := inventory.ImportOptions{SkipInvalid: skip, DryRun: dry}
	if c.Principal.Role == auth.AISystemOwner {
		opts.OnlyOwner = c.Principal.UserID
	}
	return s.db.ImportSystems(c.R.Context(), c.Principal.OrgID, rows, opts, c.Actor())
}

// importBody reads the uploaded file: the body itself (CSV or XLSX by content type, or by its
// first bytes when the type says nothing), or the first file of a multipart form.
func importBody(c *Call) ([]byte, inventory.Format, error) {
	ct, params, _ := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	limited := http.MaxBytesReader(c.W, c.R.Body, inventory.MaxImportBytes+64<<10)
	var src io.Reader = limited
	declared := ct
	if ct == "multipart/form-data" {
		if params["boundary"] == "" {
			return nil, "", bodyError("is a multipart form without a boundary")
		}
		mr, err := c.R.MultipartReader()
		if err != nil {
			return nil, "", bodyError("is not a readable multipart form")
		}
		c.R.Body = limited
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil, "", &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
					Fields: []fault.FieldError{{Field: "file", Message: "the form has no file; upload the register as the field named file"}}}
			}
			if err != nil {
				return nil, "", readError(err)
			}
			if part.FileName() != "" || part.FormName() == "file" {
				src, declared = part, part.Header.Get("Content-Type")
				if strings.HasSuffix(strings.ToLower(part.FileName()), ".xlsx") {
					declared = inventory.XLSX.MediaType()
				}
				break
			}
		}
	}
	data, err := io.ReadAll(src)
	if err != nil {
		return nil, "", readError(err)
	}
	if len(data) > inventory.MaxImportBytes {
		return nil, "", fault.New(fault.TooLarge, "the file is larger than %d MiB", inventory.MaxImportBytes>>20)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, "", bodyError("must not be empty; send the register as CSV or XLSX")
	}
	declared, _, _ = mime.ParseMediaType(declared)
	switch declared {
	case "text/csv", "application/csv", "text/plain":
		return data, inventory.CSV, nil
	case inventory.XLSX.MediaType():
		return data, inventory.XLSX, nil
	case "", "application/octet-stream":
		return data, inventory.Sniff(data), nil
	}
	return nil, "", &fault.Error{Code: fault.Invalid, Message: "the body must be a CSV or XLSX file",
		Fields: []fault.FieldError{{Field: "body", Message: fmt.Sprintf("has content type %s; send text/csv, %s or a multipart form", declared, inventory.XLSX.MediaType())}}}
}

func readError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fault.New(fault.TooLarge, "the file is larger than %d MiB", inventory.MaxImportBytes>>20)
	}
	return bodyError("could not be read")
}
