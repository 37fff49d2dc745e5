package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/readiness"
)

type readinessData struct {
	Report    readiness.Report
	Standards []readiness.StandardSummary
	Current   string
}

func (s *Server) readinessPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id := r.URL.Query().Get("standard")
	if id == "" {
		id = "iso42001-2023"
	}
	lib := s.opts.Catalogs.Builtin()
	cat, ok := lib.Catalog(id)
	if !ok || (id != "iso27001-2022" && id != "iso42001-2023") {
		s.fail(w, r, fault.NotFoundf("standard", id))
		return
	}
	rep, err := readiness.ForStandard(r.Context(), s.db, p.OrgID, cat, lib, time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := readinessData{Report: rep, Current: id}
	for _, sid := range readiness.Standards {
		c, _ := lib.Catalog(sid)
		d.Standards = append(d.Standards, readiness.StandardSummary{Catalog: sid, Title: c.Title})
	}
	s.render(w, r, http.StatusOK, "readiness", page{Title: "Readiness", Nav: "readiness", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

func (s *Server) carryOverPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	co, err := readiness.CarryOverFor(r.Context(), s.db, p.OrgID, s.opts.Catalogs.Builtin(), time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "carryover", page{Title: "How far ISO/IEC 27001 takes you", Nav: "readiness", Principal: &p, CSRF: csrfFrom(r), Data: co})
}

// readinessBars draws each standard's readiness as a labelled bar, met and partly met shaded
// apart; the numbers are in the text, so colour is never the only carrier.
func readinessBars(rs []readiness.StandardSummary) template.HTML {
	// The title sits above each bar, so the chart reads at the width of a dashboard card.
	const width, row = 300.0, 52.0
	var b strings.Builder
	h := row*float64(len(rs)) + 4
	fmt.Fprintf(&b, `<svg class="bars" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="bars-title" xmlns="http://www.w3.org/2000/svg"><title id="bars-title">Readiness per standard</title>`, width+50, h)
	for i, r := range rs {
		y := float64(i) * row
		total := float64(r.Met + r.Partial + r.Open)
		fmt.Fprintf(&b, `<a href="/readiness?standard=%s"><text x="0" y="%.0f" class="bar-label">%s</text>`, r.Catalog, y+14, template.HTMLEscapeString(r.Title))
		fmt.Fprintf(&b, `<rect x="0" y="%.0f" width="%.0f" height="20" rx="3" class="bar-track"/>`, y+22, width)
		if total > 0 {
			met := width * float64(r.Met) / total
			part := width * float64(r.Partial) / total
			fmt.Fprintf(&b, `<rect x="0" y="%.0f" width="%.1f" height="20" class="bar-met"/>`, y+22, met)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="%.1f" height="20" class="bar-partial"/>`, met, y+22, part)
		}
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="bar-value">%.0f%%</text></a>`, width+6, y+38, math.Round(r.Percent))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
