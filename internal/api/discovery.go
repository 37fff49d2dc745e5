package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/store"
)

// The discovery review queue: candidates from `annexa scan --submit`, from uploaded SBOMs, SaaS
// application lists and egress logs, and what reviewers decide about them.

// CandidatePage is a page of the review queue.
type CandidatePage = store.Page[discovery.Queued]

// ImportReport is what an uploaded file gave and what the queue did with it.
type ImportReport struct {
	discovery.Imported
	Queue discovery.SubmitResult `json:"queue"`
}

func (s *Server) discoveryRoutes() []Route {
	idP := idParam("candidate")
	return []Route{
		{Method: "GET", Pattern: "/api/v1/discovery/candidates", Tag: "Discovery", Summary: "The review queue of discovered AI systems, newest first",
			Permission: auth.ReadRecords, Params: append([]Param{
				{Name: "status", In: "query", Description: "new, accepted, merged or dismissed"},
				{Name: "source", In: "query", Description: "code, sbom, saas or egress"},
				{Name: "q", In: "query", Description: "words that must each occur in the name, location, vendor or technologies"},
			}, pageParams...), Response: CandidatePage{}, Handle: s.listCandidates},
		{Method: "GET", Pattern: "/api/v1/discovery/candidates/{id}", Tag: "Discovery", Summary: "One discovered candidate with its evidence and the decision taken on it",
			Permission: auth.ReadRecords, Params: []Param{idP}, Response: discovery.Queued{}, Conditional: true, Handle: s.getCandidate},
		{Method: "POST", Pattern: "/api/v1/discovery/submissions", Tag: "Discovery", Summary: "Submit candidates (annexa scan --submit, or any tool); known fingerprints are refreshed, never duplicated or revived",
			Permission: auth.ManageInventory, Request: discovery.Submission{}, Response: discovery.SubmitResult{}, Handle: s.submitCandidates},
		{Method: "POST", Pattern: "/api/v1/discovery/imports", Tag: "Discovery", Summary: "Upload an SBOM, a SaaS application list or an egress log; its candidates join the review queue",
			Permission: auth.ManageInventory, Params: []Param{
				{Name: "kind", In: "query", Description: "sbom (CycloneDX or SPDX JSON), saas (CSV of applications) or egress (Squid log, CSV or JSON lines)"},
				{Name: "name", In: "query", Description: "the file's name, for evidence and messages (default: the uploaded file name, or upload)"},
				{Name: "format", In: "query", Description: "egress only: squid, csv or jsonl; detected from the first line when empty"},
			}, Upload: "application/octet-stream", Response: ImportReport{}, Handle: s.importCandidates},
		{Method: "POST", Pattern: "/api/v1/discovery/candidates/{id}/accept", Tag: "Discovery", Summary: "Accept a candidate: register it as an AI system, or link it to one with system_id",
			Permission: auth.ManageInventory, Params: []Param{idP}, Request: discovery.AcceptRequest{}, Response: discovery.Accepted{}, Handle: s.acceptCandidate},
		{Method: "POST", Pattern: "/api/v1/discovery/candidates/{id}/merge", Tag: "Discovery", Summary: "Fold a candidate into another that is the same system; returns the candidate merged into",
			Permission: auth.ManageInventory, Params: []Param{idP}, Request: discovery.MergeRequest{}, Response: discovery.Queued{}, Handle: s.mergeCandidate},
		{Method: "POST", Pattern: "/api/v1/discovery/candidates/{id}/dismiss", Tag: "Discovery", Summary: "Dismiss a candidate with a reason; remembered, so a re-scan does not bring it back",
			Permission: auth.ManageInventory, Params: []Param{idP}, Request: discovery.Dismissal{}, Response: discovery.Queued{}, Handle: s.dismissCandidate},
	}
}

func (s *Server) listCandidates(c *Call) (any, error) {
	page, err := c.Page()
	if err != nil {
		return nil, err
	}
	q := c.R.URL.Query()
	f := discovery.Filter{Status: discovery.Status(q.Get("status")), Source: discovery.Source(q.Get("source")), Q: q.Get("q")}
	return s.db.DiscoveryCandidates(c.R.Context(), c.Principal.OrgID, f, page)
}

func (s *Server) getCandidate(c *Call) (any, error) {
	return s.db.DiscoveryCandidate(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"))
}

func (s *Server) submitCandidates(c *Call) (any, error) {
	var sub discovery.Submission
	if err := decodeLimit(c.W, c.R, &sub, discovery.MaxSubmitBodySize); err != nil {
		return nil, err
	}
	if err := sub.Validate(); err != nil {
		return nil, err
	}
	return s.db.SubmitCandidates(c.R.Context(), c.Principal.OrgID, sub.All(), c.Actor())
}

func (s *Server) importCandidates(c *Call) (any, error) {
	q := c.R.URL.Query()
	kind := discovery.ImportKind(q.Get("kind"))
	if !kind.Valid() {
		return nil, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "kind", Message: "must be sbom, saas or egress"}}}
	}
	name, data, err := readUpload(c.W, c.R, discovery.MaxImportBytes)
	if err != nil {
		return nil, err
	}
	if n := strings.TrimSpace(q.Get("name")); n != "" {
		name = n
	}
	im, err := discovery.ParseImport(kind, name, data, q.Get("format"))
	if err != nil {
		return nil, err
	}
	rep := ImportReport{Imported: im, Queue: discovery.SubmitResult{Items: []discovery.SubmitItem{}}}
	if len(im.Candidates) > 0 {
		if rep.Queue, err = s.db.SubmitCandidates(c.R.Context(), c.Principal.OrgID, im.Candidates, c.Actor()); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// readUpload returns an uploaded file: the "file" part of a multipart form, or the raw body.
func readUpload(w http.ResponseWriter, r *http.Request, limit int64) (string, []byte, error) {
	body := http.MaxBytesReader(w, r.Body, limit+64<<10)
	name := "upload"
	var src io.Reader = body
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		r.Body = body
		mr, err := r.MultipartReader()
		if err != nil {
			return "", nil, uploadError("is not a readable multipart form")
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return "", nil, uploadError("is missing: send the file in a part named file")
			}
			if err != nil {
				return "", nil, tooLargeOr(err, limit, "is not a readable multipart form")
			}
			if part.FormName() == "file" {
				if fn := part.FileName(); fn != "" {
					name = fn
				}
				src = part
				break
			}
		}
	}
	data, err := io.ReadAll(io.LimitReader(src, limit+1))
	if err != nil {
		return "", nil, tooLargeOr(err, limit, "could not be read")
	}
	if int64(len(data)) > limit {
		return "", nil, fault.New(fault.TooLarge, "the file is larger than %d MiB", limit>>20)
	}
	return name, data, nil
}

func tooLargeOr(err error, limit int64, msg string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fault.New(fault.TooLarge, "the file is larger than %d MiB", limit>>20)
	}
	return uploadError(msg)
}

func uploadError(msg string) error {
	return &fault.Error{Code: fault.Invalid, Message: "the upload is not acceptable", Fields: []fault.FieldError{{Field: "file", Message: msg}}}
}

func (s *Server) mergeCandidate(c *Call) (any, error) {
	var m discovery.MergeRequest
	if err := c.Decode(&m); err != nil {
		return nil, err
	}
	return s.db.MergeCandidate(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), m, c.Actor())
}

func (s *Server) dismissCandidate(c *Call) (any, error) {
	var d discovery.Dismissal
	if err := c.Decode(&d); err != nil {
		return nil, err
	}
	return s.db.DismissCandidate(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), d, c.Actor())
}

func (s *Server) acceptCandidate(c *Call) (any, error) {
	var req discovery.AcceptRequest
	if c.R.ContentLength != 0 { // an empty body means: register a new system from the candidate
		if err := c.Decode(&req); err != nil {
			return nil, err
		}
	}
	// An AI system owner registers systems with themselves as owner, as when creating one directly.
	owner := ""
	if c.Principal.Role == auth.AISystemOwner {
		owner = c.Principal.UserID
	}
	return s.db.AcceptCandidate(c.R.Context(), c.Principal.OrgID, c.R.PathValue("id"), req, owner, c.Actor())
}
