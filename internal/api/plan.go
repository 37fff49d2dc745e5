package api

import (
	"bytes"
	"encoding/csv"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/readiness"
	"github.com/annexa-dev/annexa/internal/roadmap"
)

func (s *Server) planRoutes() []Route {
	return []Route{
		{Method: "POST", Pattern: "/api/v1/advice", Tag: "Decision support", Summary: "Which standards and programmes the organisation needs, and why, from yes/no answers",
			Permission: auth.ReadRecords, Request: roadmap.Answers{}, Response: roadmap.Advice{}, Handle: s.advice},
		{Method: "GET", Pattern: "/api/v1/roadmap", Tag: "Decision support", Summary: "The phased roadmap from today, with durations shortened by the work already recorded; format=csv for a spreadsheet",
			Permission: auth.ReadRecords, Params: []Param{{Name: "format", In: "query", Description: "json (default) or csv"}},
			Response: roadmap.Roadmap{}, Handle: s.roadmap},
	}
}

func (s *Server) advice(c *Call) (any, error) {
	d, err := roadmap.Default()
	if err != nil {
		return nil, fault.Wrap(err, "load decision support")
	}
	var a roadmap.Answers
	if err := c.Decode(&a); err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, q := range d.Questions() {
		known[q.ID] = true
	}
	var v fault.Validation
	for id := range a {
		v.Check(!known[id], id, "is not a question; see the questions in the decision-support data")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return d.Advise(a), nil
}

func (s *Server) roadmap(c *Call) (any, error) {
	rm, err := readiness.Roadmap(c.R.Context(), s.db, c.Principal.OrgID, s.catalogs.Builtin(), time.Now())
	if err != nil {
		return nil, err
	}
	switch f := c.R.URL.Query().Get("format"); f {
	case "", "json":
		return rm, nil
	case "csv":
		var buf bytes.Buffer
		if err := csv.NewWriter(&buf).WriteAll(rm.CSVRows()); err != nil {
			return nil, fault.Wrap(err, "write roadmap CSV")
		}
		return &Download{ContentType: "text/csv; charset=utf-8", Name: "annexa-roadmap.csv", Data: buf.Bytes()}, nil
	default:
		return nil, &fault.Error{Code: fault.Invalid, Message: "the request has invalid fields",
			Fields: []fault.FieldError{{Field: "format", Message: "must be json or csv"}}}
	}
}
