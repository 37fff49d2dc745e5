package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/store"
)

// riskView is a risk with the names a page shows beside it.
type riskView struct {
	risk.Risk
	Owner    string
	Category string
	Level    risk.Level
	Inherent risk.Level
	Overdue  bool
	Systems  []inventory.System
}

type risksData struct {
	Risks      []riskView
	NextHref   string
	Filter     risk.Filter
	Overdue    string
	Categories []risk.Category
	Levels     []risk.Level
	People     []auth.Member
	Statuses   []choice
	Sorts      []choice
	Total      int
	Filtered   bool
	CanManage  bool
}

func (s *Server) riskContext(r *http.Request, orgID string) (risk.Method, map[string]string, []auth.Member, map[string]string, error) {
	m, err := s.db.RiskMethod(r.Context(), orgID)
	if err != nil {
		return m, nil, nil, nil, err
	}
	cats, err := s.db.RiskCategories(r.Context(), orgID)
	if err != nil {
		return m, nil, nil, nil, err
	}
	labels := map[string]string{}
	for _, c := range cats {
		labels[c.ID] = c.Label
	}
	people, names, err := s.people(r, orgID)
	return m, labels, people, names, err
}

func viewOf(rk risk.Risk, m risk.Method, cats, names map[string]string, today string) riskView {
	v := riskView{Risk: rk, Owner: names[rk.OwnerID], Category: cats[rk.Category], Overdue: rk.DueOn < today}
	v.Level, _ = m.Level(rk.EffectiveLevel)
	v.Inherent, _ = m.Level(rk.Level)
	return v
}

func (s *Server) risksPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	f := risk.Filter{Query: q.Get("q"), Category: q.Get("category"), Level: q.Get("level"), OwnerID: q.Get("owner"),
		AISystemID: q.Get("ai_system"), Status: risk.Status(q.Get("status")), Sort: q.Get("sort"), Residual: q.Get("residual") == "true"}
	f.Likelihood, _ = strconv.Atoi(q.Get("likelihood"))
	f.Impact, _ = strconv.Atoi(q.Get("impact"))
	d := risksData{Filter: f, Overdue: q.Get("overdue"), CanManage: p.Can(auth.ManageRisks)}
	if d.Overdue == "true" {
		yes := true
		f.Overdue = &yes
	}
	d.Filtered = f.Query != "" || f.Category != "" || f.Level != "" || f.OwnerID != "" || f.AISystemID != "" || f.Status != "" || f.Overdue != nil || f.Likelihood > 0
	pr := store.PageRequest{Limit: 100, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.Risks(r.Context(), p.OrgID, f, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, cats, people, names, err := s.riskContext(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Total, err = s.db.RiskCount(r.Context(), p.OrgID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Categories, err = s.db.RiskCategories(r.Context(), p.OrgID); err != nil {
		s.fail(w, r, err)
		return
	}
	today := risk.Today(time.Now())
	for _, rk := range pg.Items {
		d.Risks = append(d.Risks, viewOf(rk, m, cats, names, today))
	}
	if pg.NextCursor != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", pg.NextCursor)
		d.NextHref = "/risks?" + nq.Encode()
	}
	d.Levels, d.People = m.Levels, people
	d.Statuses = choices(risk.Statuses, humanise, func(x risk.Status) bool { return x == f.Status })
	sortLabels := map[string]string{"title": "Title", "score": "Score, highest first", "due": "Due date, soonest first", "updated": "Last changed"}
	d.Sorts = choices(risk.Sorts, func(x string) string { return sortLabels[x] }, func(x string) bool { return x == f.Sort })
	s.render(w, r, http.StatusOK, "risks", page{Title: "Risks", Nav: "risks", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

// heatCell is one cell as the SVG draws it.
type heatCell struct {
	risk.HeatCell
	X, Y       int
	Href       string
	Label      string
	TextColour string
}

type heatGrid struct {
	Title, Desc  string
	Cells        []heatCell
	Width        int
	Height       int
	Rows, Cols   []axisLabel
	ID           string
	Assessed     int
	Distribution []string
}

type axisLabel struct {
	Pos  int
	Name string
	N    int
}

const cellSize = 72

func grid(id, title string, m risk.Method, cells []risk.HeatCell, residual bool) heatGrid {
	left, top := 120, 10
	g := heatGrid{ID: id, Title: title, Width: left + cellSize*m.MaxImpact() + 10, Height: top + cellSize*m.MaxLikelihood() + 60}
	total := 0
	for _, c := range cells {
		x := left + (c.Impact-1)*cellSize
		y := top + (m.MaxLikelihood()-c.Likelihood)*cellSize
		href := fmt.Sprintf("/risks?likelihood=%d&impact=%d", c.Likelihood, c.Impact)
		if residual {
			href += "&residual=true"
		}
		lvl, _ := m.Level(c.Level)
		label := fmt.Sprintf("%d risks at likelihood %d (%s), impact %d (%s): %s", c.Count, c.Likelihood, m.Likelihood[c.Likelihood-1].Name,
			c.Impact, m.Impact[c.Impact-1].Name, lvl.Name)
		g.Cells = append(g.Cells, heatCell{HeatCell: c, X: x, Y: y, Href: href, Label: label, TextColour: textOn(c.Colour)})
		total += c.Count
		if c.Count > 0 {
			g.Distribution = append(g.Distribution, label)
		}
	}
	for l := 1; l <= m.MaxLikelihood(); l++ {
		g.Rows = append(g.Rows, axisLabel{Pos: top + (m.MaxLikelihood()-l)*cellSize + cellSize/2, Name: m.Likelihood[l-1].Name, N: l})
	}
	for i := 1; i <= m.MaxImpact(); i++ {
		g.Cols = append(g.Cols, axisLabel{Pos: left + (i-1)*cellSize + cellSize/2, Name: m.Impact[i-1].Name, N: i})
	}
	g.Assessed = total
	g.Desc = fmt.Sprintf("%d risks on a %d by %d likelihood by impact matrix; likelihood rises upwards, impact to the right.", total, m.MaxLikelihood(), m.MaxImpact())
	return g
}

// textOn picks black or white text for legibility on a background colour.
func textOn(hex string) string {
	if len(hex) != 7 {
		return "#000"
	}
	n, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return "#000"
	}
	r, g, b := float64(n>>16&0xff), float64(n>>8&0xff), float64(n&0xff)
	if 0.299*r+0.587*g+0.114*b > 150 {
		return "#000"
	}
	return "#fff"
}

type heatData struct {
	Inherent, Residual heatGrid
	Map                risk.HeatMap
}

func (s *Server) riskHeatMapPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	hm, err := s.db.RiskHeatMap(r.Context(), p.OrgID, risk.Filter{})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.db.RiskMethod(r.Context(), p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := heatData{Map: hm, Inherent: grid("inherent", "Inherent risk", m, hm.Inherent, false), Residual: grid("residual", "Residual risk", m, hm.Residual, true)}
	s.render(w, r, http.StatusOK, "riskheatmap", page{Title: "Risk heat map", Nav: "risks", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

type dueGroup struct {
	Owner string
	Items []risk.DueItem
}

type dueData struct {
	Today, Horizon string
	Groups         []dueGroup
	Mine           bool
}

// dueItems gathers the due list; other capabilities append their kinds here.
func (s *Server) dueItems(r *http.Request, orgID, today, horizon string) ([]risk.DueItem, error) {
	rs, err := s.db.DueRisks(r.Context(), orgID, horizon)
	if err != nil {
		return nil, err
	}
	items := risk.DueItems(rs, today, horizon)
	reassess, err := s.db.AssessmentDueItems(r.Context(), orgID, today, horizon)
	if err != nil {
		return nil, err
	}
	items = append(items, reassess...)
	risk.SortDue(items)
	return items, nil
}

func (s *Server) dueForReviewPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	now := time.Now().UTC()
	d := dueData{Today: risk.Today(now), Horizon: risk.Today(now.Add(risk.DueWindow)), Mine: r.URL.Query().Get("mine") == "true"}
	items, err := s.dueItems(r, p.OrgID, d.Today, d.Horizon)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, it := range items {
		if d.Mine && it.OwnerID != p.UserID {
			continue
		}
		owner := names[it.OwnerID]
		if owner == "" {
			owner = "No owner"
		}
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Owner != owner {
			d.Groups = append(d.Groups, dueGroup{Owner: owner})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Items = append(g.Items, it)
	}
	s.render(w, r, http.StatusOK, "riskdue", page{Title: "Due for review", Nav: "risks", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

type riskPageData struct {
	View      riskView
	Method    risk.Method
	History   []risk.ScoreRecord
	Sources   []catalog.Item
	CanChange bool
	CanAccept bool
	AcceptBy  []auth.Role
	Owners    map[string]string
	Today     string
}

// canChangeRisk: a risk manager, and an AI system owner only for risks whose systems they all own.
func (s *Server) canChangeRisk(r *http.Request, p auth.Principal, systemIDs []string) bool {
	if !p.Can(auth.ManageRisks) {
		return false
	}
	if p.Role != auth.AISystemOwner {
		return true
	}
	if len(systemIDs) == 0 {
		return false
	}
	for _, id := range systemIDs {
		sys, err := s.db.System(r.Context(), p.OrgID, id)
		if err != nil || sys.OwnerID != p.UserID {
			return false
		}
	}
	return true
}

func (s *Server) riskPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	rk, err := s.db.Risk(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, cats, _, names, err := s.riskContext(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := risk.Today(time.Now())
	d := riskPageData{View: viewOf(rk, m, cats, names, today), Method: m, CanChange: s.canChangeRisk(r, p, rk.AISystemIDs), Owners: names, Today: today}
	for _, id := range rk.AISystemIDs {
		if sys, err := s.db.System(r.Context(), p.OrgID, id); err == nil {
			d.View.Systems = append(d.View.Systems, sys)
		}
	}
	if d.History, err = s.db.RiskHistory(r.Context(), p.OrgID, rk.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	lvl := d.View.Level
	d.AcceptBy = lvl.AcceptRoles
	d.CanAccept = d.CanChange && slices.Contains(lvl.AcceptRoles, p.Role) && rk.Status != risk.Accepted
	for _, it := range risk.AnnexC() {
		if slices.Contains(rk.Sources, it.ID) {
			d.Sources = append(d.Sources, it)
		}
	}
	s.render(w, r, http.StatusOK, "risk", page{Title: rk.Title, Nav: "risks", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

// riskForm is the create and edit form.
type riskForm struct {
	ID, Version                                  string
	Title, Description, Category, OwnerID        string
	Likelihood, Impact, ResLikelihood, ResImpact int
	Treatment, ResidualReason, NextReview        string
	Status, Controls, Assets                     string
	Sources                                      []choice
	SystemIDs                                    []string
	Systems                                      []inventory.System
	Categories                                   []risk.Category
	People                                       []auth.Member
	Method                                       risk.Method
	Treatments, Statuses                         []choice
	Actions                                      []risk.Action
	ForSystem                                    string
}

func (s *Server) riskFormFor(r *http.Request, p auth.Principal, rk risk.Risk) (riskForm, error) {
	f := riskForm{ID: rk.ID, Version: strconv.FormatInt(rk.Version, 10), Title: rk.Title, Description: rk.Description, Category: rk.Category,
		OwnerID: rk.OwnerID, Likelihood: rk.Likelihood, Impact: rk.Impact, ResLikelihood: rk.ResidualLikelihood, ResImpact: rk.ResidualImpact,
		Treatment: string(rk.Treatment), ResidualReason: rk.ResidualReason, NextReview: rk.NextReview, Status: string(rk.Status),
		Controls: strings.Join(rk.Controls, "\n"), Assets: strings.Join(rk.Assets, "\n"), SystemIDs: rk.AISystemIDs}
	var err error
	if f.Method, err = s.db.RiskMethod(r.Context(), p.OrgID); err != nil {
		return f, err
	}
	if f.Categories, err = s.db.RiskCategories(r.Context(), p.OrgID); err != nil {
		return f, err
	}
	if f.People, _, err = s.people(r, p.OrgID); err != nil {
		return f, err
	}
	sf := inventory.Filter{}
	if p.Role == auth.AISystemOwner {
		sf.OwnerID = p.UserID
	}
	sys, err := s.db.Systems(r.Context(), p.OrgID, sf, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		return f, err
	}
	f.Systems = sys.Items
	for _, it := range risk.AnnexC() {
		f.Sources = append(f.Sources, choice{Value: it.ID, Label: it.ID + " " + it.Title, Checked: slices.Contains(rk.Sources, it.ID)})
	}
	f.Treatments = choices(risk.Treatments, humanise, func(x risk.Treatment) bool { return x == rk.Treatment })
	f.Statuses = choices([]risk.Status{risk.Open, risk.InTreatment, risk.Closed}, humanise, func(x risk.Status) bool { return x == rk.Status })
	// Existing actions plus two empty rows, so an action can be added without JavaScript.
	f.Actions = append(append([]risk.Action{}, rk.Actions...), risk.Action{}, risk.Action{})
	return f, nil
}

// riskInputFromForm reads the form into a full update: every field the form shows is set.
func riskInputFromForm(r *http.Request) risk.Input {
	v := r.PostForm
	str := func(k string) *string { x := strings.TrimSpace(v.Get(k)); return &x }
	num := func(k string) *int { n, _ := strconv.Atoi(v.Get(k)); return &n }
	lines := func(k string) *[]string { l := splitLines(v.Get(k)); return &l }
	in := risk.Input{Title: str("title"), Description: str("description"), Category: str("category"), OwnerID: str("owner_id"),
		Likelihood: num("likelihood"), Impact: num("impact"), ResidualLikelihood: num("residual_likelihood"), ResidualImpact: num("residual_impact"),
		ResidualReason: str("residual_reason"), NextReview: str("next_review"), Controls: lines("controls"), Assets: lines("assets")}
	t := risk.Treatment(v.Get("treatment"))
	in.Treatment = &t
	if st := risk.Status(v.Get("status")); st != "" {
		in.Status = &st
	}
	sources := append([]string{}, v["sources"]...)
	systems := append([]string{}, v["ai_system_ids"]...)
	in.Sources, in.AISystemIDs = &sources, &systems
	acts := []risk.Action{}
	ids, titles, owners, dues := v["action_id"], v["action_title"], v["action_owner"], v["action_due"]
	done := v["action_done"]
	for i, title := range titles {
		if strings.TrimSpace(title) == "" {
			continue
		}
		a := risk.Action{ID: at(ids, i), Title: title, OwnerID: at(owners, i), Due: at(dues, i), Done: slices.Contains(done, strconv.Itoa(i))}
		acts = append(acts, a)
	}
	in.Actions = &acts
	return in
}

func splitLines(s string) []string {
	out := []string{}
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ';' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) renderRiskForm(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, f riskForm, err error) {
	pg := page{Title: "Register a risk", Nav: "risks", Principal: &p, CSRF: csrfFrom(r), Data: f}
	if f.ID != "" {
		pg.Title = "Edit " + f.Title
	}
	if err != nil {
		pg.Fields, pg.Error = fieldErrors(err)
	}
	s.render(w, r, status, "riskform", pg)
}

func (s *Server) riskNewForm(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ManageRisks) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not register risks", p.Role.Label()))
		return
	}
	rk := risk.Risk{OwnerID: p.UserID, Status: risk.Open, Likelihood: 0, Impact: 0}
	if id := r.URL.Query().Get("ai_system"); id != "" {
		rk.AISystemIDs = []string{id}
	}
	f, err := s.riskFormFor(r, p, rk)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderRiskForm(w, r, p, http.StatusOK, f, nil)
}

// redisplayRisk shows the form again with what the person typed and the errors beside the fields.
func (s *Server) redisplayRisk(w http.ResponseWriter, r *http.Request, p auth.Principal, typed risk.Risk, err error) {
	if fault.Is(err, fault.Internal) || fault.Is(err, fault.NotFound) || fault.Is(err, fault.Forbidden) {
		s.fail(w, r, err)
		return
	}
	if fault.Is(err, fault.PreconditionErr) {
		current, cerr := s.db.Risk(r.Context(), p.OrgID, typed.ID)
		if cerr != nil {
			s.fail(w, r, cerr)
			return
		}
		typed = current
		err = fault.New(fault.PreconditionErr, "someone else changed this risk while you were editing; this is the current version, make your change again")
	}
	f, ferr := s.riskFormFor(r, p, typed)
	if ferr != nil {
		s.fail(w, r, ferr)
		return
	}
	s.renderRiskForm(w, r, p, fault.CodeStatus(err), f, err)
}

func (s *Server) riskCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	in := riskInputFromForm(r)
	if !s.canChangeRisk(r, p, *in.AISystemIDs) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not register this risk; an AI system owner names AI systems they own", p.Role.Label()))
		return
	}
	rk, err := s.db.CreateRisk(r.Context(), p.OrgID, in, actorOf(p))
	if err != nil {
		s.redisplayRisk(w, r, p, in.Apply(risk.Risk{}), err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("%s registered: score %d, %s.", rk.Title, rk.Score, rk.Level))
	http.Redirect(w, r, "/risks/"+rk.ID, http.StatusSeeOther)
}

func (s *Server) editableRisk(w http.ResponseWriter, r *http.Request, p auth.Principal) (risk.Risk, bool) {
	rk, err := s.db.Risk(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return rk, false
	}
	if !s.canChangeRisk(r, p, rk.AISystemIDs) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not change this risk", p.Role.Label()))
		return rk, false
	}
	return rk, true
}

func (s *Server) riskEditForm(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	rk, ok := s.editableRisk(w, r, p)
	if !ok {
		return
	}
	f, err := s.riskFormFor(r, p, rk)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderRiskForm(w, r, p, http.StatusOK, f, nil)
}

func (s *Server) riskUpdate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	rk, ok := s.editableRisk(w, r, p)
	if !ok {
		return
	}
	in := riskInputFromForm(r)
	if rk.Status == risk.Accepted && in.Status != nil && *in.Status == risk.Open && r.PostFormValue("status") == "" {
		in.Status = nil
	}
	if !s.canChangeRisk(r, p, *in.AISystemIDs) {
		s.fail(w, r, fault.New(fault.Forbidden, "as an AI system owner you may link only AI systems you own"))
		return
	}
	var ifVersion *int64
	if v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		ifVersion = &v
	}
	up, err := s.db.UpdateRisk(r.Context(), p.OrgID, rk.ID, in, ifVersion, actorOf(p))
	if err != nil {
		s.redisplayRisk(w, r, p, in.Apply(rk), err)
		return
	}
	s.setFlash(w, r, up.Title+" saved.")
	http.Redirect(w, r, "/risks/"+rk.ID, http.StatusSeeOther)
}

func (s *Server) riskAccept(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	rk, ok := s.editableRisk(w, r, p)
	if !ok {
		return
	}
	if _, err := s.db.AcceptRisk(r.Context(), p.OrgID, rk.ID, p, r.PostFormValue("reason"), nil, actorOf(p)); err != nil {
		if fault.Is(err, fault.Invalid) || fault.Is(err, fault.Forbidden) {
			fields, msg := fieldErrors(err)
			for _, m := range fields {
				msg += " " + m
			}
			s.setFlash(w, r, "Not accepted: "+msg)
			http.Redirect(w, r, "/risks/"+rk.ID, http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, rk.Title+" accepted.")
	http.Redirect(w, r, "/risks/"+rk.ID, http.StatusSeeOther)
}

func (s *Server) riskDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	rk, ok := s.editableRisk(w, r, p)
	if !ok {
		return
	}
	if err := s.db.DeleteRisk(r.Context(), p.OrgID, rk.ID, nil, actorOf(p)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, rk.Title+" removed from the register. Its history stays in the audit log.")
	http.Redirect(w, r, "/risks", http.StatusSeeOther)
}

type methodForm struct {
	Method     risk.Method
	Likelihood string
	Impact     string
	Levels     []levelRow
	Roles      []auth.Role
	CanEdit    bool
	Count      int
}

type levelRow struct {
	risk.Level
	Index int
}

func methodFormFor(m risk.Method) methodForm {
	f := methodForm{Method: m, Roles: auth.Roles}
	var l, i []string
	for _, p := range m.Likelihood {
		l = append(l, p.Name)
	}
	for _, p := range m.Impact {
		i = append(i, p.Name)
	}
	f.Likelihood, f.Impact = strings.Join(l, "\n"), strings.Join(i, "\n")
	// The existing levels and one empty row, to add a level without JavaScript.
	for n, lv := range append(slices.Clone(m.Levels), risk.Level{}) {
		f.Levels = append(f.Levels, levelRow{Level: lv, Index: n})
	}
	return f
}

func (s *Server) riskMethodPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	m, err := s.db.RiskMethod(r.Context(), p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := methodFormFor(m)
	f.CanEdit = p.Can(auth.ConfigureRiskMethod)
	f.Count, _ = s.db.RiskCount(r.Context(), p.OrgID)
	s.render(w, r, http.StatusOK, "riskmethod", page{Title: "Risk method", Nav: "risks", Principal: &p, CSRF: csrfFrom(r), Data: f})
}

// methodFromForm reads scales as one name per line (keeping descriptions of steps whose name is
// unchanged) and levels as rows; a row without an id is left out.
func methodFromForm(r *http.Request, before risk.Method) risk.Method {
	v := r.PostForm
	scale := func(k string, old []risk.ScalePoint) []risk.ScalePoint {
		var out []risk.ScalePoint
		for i, name := range splitLines(strings.ReplaceAll(v.Get(k), ";", "\n")) {
			p := risk.ScalePoint{Name: name}
			if i < len(old) && old[i].Name == name {
				p.Description = old[i].Description
			}
			out = append(out, p)
		}
		return out
	}
	m := risk.Method{Likelihood: scale("likelihood", before.Likelihood), Impact: scale("impact", before.Impact)}
	for i := range v["level_id"] {
		id := strings.TrimSpace(at(v["level_id"], i))
		if id == "" {
			continue
		}
		min, _ := strconv.Atoi(at(v["level_min"], i))
		days, _ := strconv.Atoi(at(v["level_review_days"], i))
		lv := risk.Level{ID: id, Name: at(v["level_name"], i), Colour: at(v["level_colour"], i), MinScore: min, ReviewDays: days,
			NeedsTreatment: slices.Contains(v["level_treat"], strconv.Itoa(i)), AcceptRoles: []auth.Role{}}
		for _, role := range auth.Roles {
			if slices.Contains(v["level_accept_"+strconv.Itoa(i)], string(role)) {
				lv.AcceptRoles = append(lv.AcceptRoles, role)
			}
		}
		m.Levels = append(m.Levels, lv)
	}
	return m
}

func (s *Server) riskMethodSubmit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ConfigureRiskMethod) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not change the risk method", p.Role.Label()))
		return
	}
	before, err := s.db.RiskMethod(r.Context(), p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m := methodFromForm(r, before)
	var ifVersion *int64
	if v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		ifVersion = &v
	}
	ch, err := s.db.SetRiskMethod(r.Context(), p.OrgID, m, ifVersion, actorOf(p))
	if err != nil {
		if fault.Is(err, fault.Internal) {
			s.fail(w, r, err)
			return
		}
		f := methodFormFor(m)
		f.Method.Version = before.Version
		f.CanEdit = true
		pg := page{Title: "Risk method", Nav: "risks", Principal: &p, CSRF: csrfFrom(r), Data: f}
		pg.Fields, pg.Error = fieldErrors(err)
		s.render(w, r, fault.CodeStatus(err), "riskmethod", pg)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Risk method saved (version %d); %d risk(s) re-scored.", ch.Method.Version, ch.Rescored))
	http.Redirect(w, r, "/risk-method", http.StatusSeeOther)
}

// systemRiskSuggestions is the suggestions section of an AI system's page.
type systemRiskSuggestions struct {
	SystemID  string
	Items     []risk.Suggestion
	CanManage bool
	CSRF      string
}

func (s *Server) riskSuggestionsFor(r *http.Request, p auth.Principal, sys inventory.System) systemRiskSuggestions {
	out := systemRiskSuggestions{SystemID: sys.ID, CanManage: p.Can(auth.ManageRisks) && (p.Role != auth.AISystemOwner || sys.OwnerID == p.UserID), CSRF: csrfFrom(r)}
	items, err := s.db.RiskSuggestions(r.Context(), p.OrgID, sys.ID)
	if err != nil {
		s.log.Warn("risk suggestions", "system", sys.ID, "error", err)
		return out
	}
	out.Items = items
	return out
}

func (s *Server) suggestionAction(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sys, err := s.db.System(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !p.Can(auth.ManageRisks) || (p.Role == auth.AISystemOwner && sys.OwnerID != p.UserID) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not act on this system's risk suggestions", p.Role.Label()))
		return
	}
	tmpl := r.PathValue("template")
	switch r.PathValue("action") {
	case "accept":
		owner := p.UserID
		rk, err := s.db.AcceptSuggestion(r.Context(), p.OrgID, sys.ID, tmpl, risk.Input{OwnerID: &owner}, actorOf(p))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.setFlash(w, r, "Risk registered from the suggestion; edit it to fit this system.")
		http.Redirect(w, r, "/risks/"+rk.ID+"/edit", http.StatusSeeOther)
		return
	case "discard", "restore":
		if _, err := s.db.DiscardSuggestion(r.Context(), p.OrgID, sys.ID, tmpl, r.PathValue("action") == "restore", actorOf(p)); err != nil {
			s.fail(w, r, err)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, "/ai-systems/"+sys.ID+"#risk-suggestions", http.StatusSeeOther)
}

// scaleSelect is a likelihood or impact picker.
type scaleSelect struct {
	Name     string
	Points   []risk.ScalePoint
	Value    int
	Optional bool
}

// hasValue reports whether a list of strings (or roles) holds v, for checked boxes.
func hasValue(list any, v any) bool {
	switch l := list.(type) {
	case []string:
		return slices.Contains(l, fmt.Sprint(v))
	case []auth.Role:
		return slices.Contains(l, auth.Role(fmt.Sprint(v)))
	}
	return false
}
