package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/readiness"
	"github.com/annexa-dev/annexa/internal/roadmap"
)

type planData struct {
	Questions []planQuestion
	Answered  bool
	Advice    roadmap.Advice
	Roadmap   roadmap.Roadmap
	Timeline  template.HTML
}

type planQuestion struct {
	roadmap.Question
	Yes bool
}

func (s *Server) roadmapFor(r *http.Request, p auth.Principal) (roadmap.Roadmap, error) {
	return readiness.Roadmap(r.Context(), s.db, p.OrgID, s.opts.Catalogs.Builtin(), time.Now())
}

// planPage answers "which standards do we need" from a GET form, so an answer can be
// bookmarked and shared, and shows the roadmap from the organisation's records.
func (s *Server) planPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	d, err := roadmap.Default()
	if err != nil {
		s.fail(w, r, fault.Wrap(err, "load decision support"))
		return
	}
	q := r.URL.Query()
	answers := roadmap.Answers{}
	data := planData{Answered: q.Get("answered") == "1"}
	for _, qu := range d.Questions() {
		yes := q.Get(qu.ID) == "yes"
		answers[qu.ID] = yes
		data.Questions = append(data.Questions, planQuestion{Question: qu, Yes: yes})
	}
	if data.Answered {
		data.Advice = d.Advise(answers)
	}
	if data.Roadmap, err = s.roadmapFor(r, p); err != nil {
		s.fail(w, r, err)
		return
	}
	data.Timeline = timelineSVG(data.Roadmap)
	s.render(w, r, http.StatusOK, "plan", page{Title: "Plan", Nav: "plan", Principal: &p, CSRF: csrfFrom(r), Data: data})
}

func (s *Server) planCSV(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	rm, err := s.roadmapFor(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := csv.NewWriter(&buf).WriteAll(rm.CSVRows()); err != nil {
		s.fail(w, r, fault.Wrap(err, "write roadmap CSV"))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="annexa-roadmap.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// timelineSVG draws the roadmap as a Gantt chart: one bar per phase on a week scale, the done
// share shaded. Phases already done show as a marker at their start. Text carries every figure
// so the chart reads without colour.
func timelineSVG(rm roadmap.Roadmap) template.HTML {
	const left, width, row, top = 230.0, 560.0, 34.0, 28.0
	weeks := math.Max(rm.Weeks, 1)
	scale := width / weeks
	h := top + row*float64(len(rm.Phases)) + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="timeline" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="tl-title tl-desc" xmlns="http://www.w3.org/2000/svg">`, left+width+140, h)
	fmt.Fprintf(&b, `<title id="tl-title">Roadmap from %s to %s</title>`, rm.Start.Format("2 Jan 2006"), rm.End.Format("2 Jan 2006"))
	fmt.Fprintf(&b, `<desc id="tl-desc">%.1f weeks in %d phases, shortened by the work already recorded.</desc>`, rm.Weeks, len(rm.Phases))
	for wk := 0.0; wk <= weeks; wk += 4 {
		x := left + wk*scale
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" class="tl-grid"/>`, x, top-8, x, h-6)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" class="tl-week">%s</text>`, x+2, top-12, rm.Start.AddDate(0, 0, int(wk*7)).Format("2 Jan"))
	}
	offset := 0.0
	for i, ph := range rm.Phases {
		y := top + float64(i)*row
		fmt.Fprintf(&b, `<text x="0" y="%.1f" class="tl-label">%s</text>`, y+18, template.HTMLEscapeString(ph.Title))
		x := left + offset*scale
		if ph.Weeks == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="tl-done">✓ done</text>`, x+4, y+18)
		} else {
			w := ph.Weeks * scale
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="22" rx="3" class="tl-bar"/>`, x, y+4, w)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" class="tl-bar-text">%.1f wk · %.0f%% done</text>`, x+w+4, y+19, ph.Weeks, ph.Done*100)
		}
		offset += ph.Weeks
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
