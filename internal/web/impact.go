package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
)

// canAssess says whether p may draft and submit the assessment of sys: an AI system owner
// only for the systems they own.
func canAssess(p auth.Principal, sys inventory.System) bool {
	return p.Can(auth.ManageAssessments) && (p.Role != auth.AISystemOwner || sys.OwnerID == p.UserID)
}

// canRaise mirrors the API: raising risks needs risks:write, and an AI system owner raises
// only from assessments of systems they own.
func canRaise(p auth.Principal, sys inventory.System) bool {
	return p.Can(auth.ManageRisks) && (p.Role != auth.AISystemOwner || sys.OwnerID == p.UserID)
}

func (s *Server) impactTemplate() (*impact.Template, error) {
	t, err := impact.DefaultTemplate()
	if err != nil {
		return nil, fault.Wrap(err, "load the impact assessment template")
	}
	return t, nil
}

func statusLabel(st impact.Status) string { return st.Label() }

type impactRow struct {
	impact.Assessment
	System string
}

type impactsData struct {
	Rows       []impactRow
	NextHref   string
	Systems    []inventory.System
	Filter     impact.Filter
	Due        bool
	Statuses   []choice
	CanStart   bool
	Filtered   bool
	Unassessed []inventory.System
}

// systemNames maps the organisation's systems by id, for lists that show a system's name.
func (s *Server) systemNames(r *http.Request, orgID string) ([]inventory.System, map[string]inventory.System, error) {
	pg, err := s.db.Systems(r.Context(), orgID, inventory.Filter{}, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]inventory.System{}
	for _, sys := range pg.Items {
		byID[sys.ID] = sys
	}
	return pg.Items, byID, nil
}

func (s *Server) impactsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	f := impact.Filter{SystemID: q.Get("ai_system"), Status: impact.Status(q.Get("status"))}
	d := impactsData{Filter: f, Due: q.Get("due") == "true", CanStart: p.Can(auth.ManageAssessments)}
	if d.Due {
		yes := true
		f.Due = &yes
	}
	d.Filtered = f.SystemID != "" || f.Status != "" || d.Due
	pr := store.PageRequest{Limit: 100, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.Assessments(r.Context(), p.OrgID, f, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	systems, byID, err := s.systemNames(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Systems = systems
	for _, a := range pg.Items {
		d.Rows = append(d.Rows, impactRow{Assessment: a, System: byID[a.SystemID].Name})
	}
	if pg.NextCursor != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", pg.NextCursor)
		d.NextHref = "/impact-assessments?" + nq.Encode()
	}
	if d.CanStart {
		assessed := map[string]bool{}
		all, err := s.db.Assessments(r.Context(), p.OrgID, impact.Filter{}, store.PageRequest{Limit: store.MaxLimit})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, a := range all.Items {
			assessed[a.SystemID] = true
		}
		for _, sys := range systems {
			if !assessed[sys.ID] && canAssess(p, sys) {
				d.Unassessed = append(d.Unassessed, sys)
			}
		}
	}
	d.Statuses = choices(impact.Statuses, statusLabel, func(x impact.Status) bool { return x == f.Status })
	s.render(w, r, http.StatusOK, "impacts", page{Title: "Impact assessments", Nav: "impact", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

func (s *Server) impactCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ManageAssessments) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not start impact assessments", p.Role.Label()))
		return
	}
	sys, err := s.db.System(r.Context(), p.OrgID, r.PostFormValue("ai_system_id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !canAssess(p, sys) {
		s.fail(w, r, fault.New(fault.Forbidden, "as an AI system owner you may assess only the systems you own"))
		return
	}
	a, err := s.db.CreateAssessment(r.Context(), p.OrgID, impact.NewAssessment{SystemID: sys.ID}, actorOf(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, "Impact assessment of "+sys.Name+" started, filled in from the register.")
	http.Redirect(w, r, "/impact-assessments/"+a.ID+"/edit", http.StatusSeeOther)
}

// impactView is one version with what the page needs around it.
type impactView struct {
	A          impact.Assessment
	System     inventory.System
	Tpl        *impact.Template
	Versions   []impact.Assessment
	Names      map[string]string
	CanEdit    bool
	CanApprove bool
	OwnSubmit  bool
	CanVersion bool
	// CanRaise offers "Raise risks into the register" on the approved version in force.
	CanRaise  bool
	Open      *impact.Assessment // the version being worked on, if not this one
	Form      *impactForm
	PrintedAt time.Time
}

// Person names a user id for the page.
func (v impactView) Person(id string) string {
	if n, ok := v.Names[id]; ok {
		return n
	}
	if strings.HasPrefix(id, "system:") {
		return strings.TrimPrefix(id, "system:")
	}
	return id
}

// Sections are the template's sections this assessment shows: the Art. 27 one only when owed.
func (v impactView) Sections() []impact.Section {
	var out []impact.Section
	for _, sec := range v.Tpl.Sections {
		if sec.When == "fria" && !v.A.FRIARequired {
			continue
		}
		out = append(out, sec)
	}
	return out
}

// Text returns a top-level text field by its JSON name.
func (v impactView) Text(id string) string {
	c := v.A.Content
	switch id {
	case "intended_purpose":
		return c.IntendedPurpose
	case "foreseeable_misuse":
		return c.ForeseeableMisuse
	case "data_used":
		return c.DataUsed
	case "data_provenance":
		return c.DataProvenance
	case "residual_impact":
		return c.ResidualImpact
	case "residual_level":
		return string(c.ResidualLevel)
	case "conclusion":
		return c.Conclusion
	case "next_review":
		return c.NextReview
	}
	return ""
}

// ResidualLabel names the residual level.
func (v impactView) ResidualLabel() string {
	for _, l := range v.Tpl.ResidualLevels {
		if l.ID == string(v.A.ResidualLevel) {
			return l.Label
		}
	}
	return ""
}

func (s *Server) loadImpact(w http.ResponseWriter, r *http.Request, p auth.Principal) (impactView, bool) {
	ctx := r.Context()
	a, err := s.db.Assessment(ctx, p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return impactView{}, false
	}
	tpl, err := s.impactTemplate()
	if err != nil {
		s.fail(w, r, err)
		return impactView{}, false
	}
	sys, err := s.db.System(ctx, p.OrgID, a.SystemID)
	if err != nil {
		s.fail(w, r, err)
		return impactView{}, false
	}
	vs, err := s.db.SystemAssessments(ctx, p.OrgID, a.SystemID)
	if err != nil {
		s.fail(w, r, err)
		return impactView{}, false
	}
	_, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return impactView{}, false
	}
	v := impactView{A: a, System: sys, Tpl: tpl, Versions: vs, Names: names}
	assess := canAssess(p, sys)
	v.CanEdit = assess && a.Status == impact.Draft
	v.CanApprove = p.Can(auth.ApproveAssessments) && a.Status == impact.InReview
	v.OwnSubmit = a.SubmittedBy == p.UserID
	for i, o := range vs {
		if (o.Status == impact.Draft || o.Status == impact.InReview) && o.ID != a.ID {
			v.Open = &vs[i]
		}
	}
	v.CanVersion = assess && a.Status == impact.Approved && v.Open == nil
	v.CanRaise = canRaise(p, sys) && a.Status == impact.Approved
	return v, true
}

func (s *Server) impactPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadImpact(w, r, p)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "impact", page{Title: fmt.Sprintf("Impact assessment of %s, version %d", v.System.Name, v.A.Number),
		Nav: "impact", Principal: &p, CSRF: csrfFrom(r), Data: v})
}

func (s *Server) impactPrint(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadImpact(w, r, p)
	if !ok {
		return
	}
	v.PrintedAt = time.Now().UTC()
	// A document of its own, not the layout: no navigation, only what an auditor reads.
	var buf bytes.Buffer
	pg := page{Title: fmt.Sprintf("Impact assessment of %s, version %d", v.System.Name, v.A.Number), Principal: &p, Data: v}
	if err := s.pages["impact"].ExecuteTemplate(&buf, "impact-print", pg); err != nil {
		s.fail(w, r, fault.Wrap(err, "render the print view"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// The draft form: parties and their effects are numbered rows, so the form works without
// JavaScript: the page shows the existing rows plus one empty effect per party and one empty
// party, and saving adds what was typed into them.

type impactForm struct {
	Parties []partyRow
}

type partyRow struct {
	I, N                    int // index and the number people see
	Kind, Name, Description string
	Effects                 []effectRow
	Errors                  []string
	New                     bool
}

type effectRow struct {
	J, N                           int
	Kind, Description, Mitigations string
	Severity, Likelihood           int
	Errors                         []string
}

func formRows(parties []impact.Party, errs []fault.FieldError) impactForm {
	var f impactForm
	rows := append(append([]impact.Party{}, parties...), impact.Party{})
	for i, pt := range rows {
		pr := partyRow{I: i, N: i + 1, Kind: string(pt.Kind), Name: pt.Name, Description: pt.Description, New: i == len(parties)}
		prefix := fmt.Sprintf("affected_parties[%d]", i)
		effects := append(append([]impact.Effect{}, pt.Effects...), impact.Effect{})
		for j, e := range effects {
			er := effectRow{J: j, N: j + 1, Kind: string(e.Kind), Description: e.Description, Mitigations: e.Mitigations, Severity: e.Severity, Likelihood: e.Likelihood}
			ep := fmt.Sprintf("%s.effects[%d]", prefix, j)
			for _, fe := range errs {
				if fe.Field == ep || strings.HasPrefix(fe.Field, ep+".") {
					er.Errors = append(er.Errors, strings.TrimPrefix(strings.TrimPrefix(fe.Field, ep), ".")+" "+fe.Message)
				}
			}
			pr.Effects = append(pr.Effects, er)
		}
		for _, fe := range errs {
			if (fe.Field == prefix || strings.HasPrefix(fe.Field, prefix+".")) && !strings.HasPrefix(fe.Field, prefix+".effects[") {
				pr.Errors = append(pr.Errors, strings.TrimPrefix(strings.TrimPrefix(fe.Field, prefix), ".")+" "+fe.Message)
			}
			if fe.Field == prefix+".effects" {
				pr.Errors = append(pr.Errors, "effects "+fe.Message)
			}
		}
		f.Parties = append(f.Parties, pr)
	}
	return f
}

// inputFromImpactForm reads the draft form into a full update; empty rows are left out.
func inputFromImpactForm(form url.Values) impact.Input {
	str := func(k string) *string { x := form.Get(k); return &x }
	num := func(k string) int { n, _ := strconv.Atoi(form.Get(k)); return n }
	in := impact.Input{IntendedPurpose: str("intended_purpose"), ForeseeableMisuse: str("foreseeable_misuse"), DataUsed: str("data_used"),
		DataProvenance: str("data_provenance"), ResidualImpact: str("residual_impact"), Conclusion: str("conclusion"), NextReview: str("next_review")}
	level := impact.ResidualLevel(form.Get("residual_level"))
	in.ResidualLevel = &level
	if _, ok := form["fria.deployer_process"]; ok {
		in.FRIA = &impact.FRIAInput{DeployerProcess: str("fria.deployer_process"), PeriodAndFrequency: str("fria.period_and_frequency"),
			CategoriesOfPersons: str("fria.categories_of_persons"), SpecificRisks: str("fria.specific_risks"),
			HumanOversight: str("fria.human_oversight"), MeasuresIfRisksMaterialise: str("fria.measures_if_risks_materialise")}
	}
	parties := []impact.Party{}
	for i := 0; ; i++ {
		pp := fmt.Sprintf("party.%d.", i)
		if _, ok := form[pp+"name"]; !ok {
			break
		}
		pt := impact.Party{Kind: impact.PartyKind(form.Get(pp + "kind")), Name: strings.TrimSpace(form.Get(pp + "name")),
			Description: strings.TrimSpace(form.Get(pp + "description")), Effects: []impact.Effect{}}
		for j := 0; ; j++ {
			ep := fmt.Sprintf("%seffect.%d.", pp, j)
			if _, ok := form[ep+"kind"]; !ok {
				break
			}
			e := impact.Effect{Kind: impact.EffectKind(form.Get(ep + "kind")), Description: strings.TrimSpace(form.Get(ep + "description")),
				Severity: num(ep + "severity"), Likelihood: num(ep + "likelihood"), Mitigations: strings.TrimSpace(form.Get(ep + "mitigations"))}
			if e.Kind == "" && e.Description == "" && e.Mitigations == "" && e.Severity == 0 && e.Likelihood == 0 {
				continue
			}
			pt.Effects = append(pt.Effects, e)
		}
		if pt.Name == "" && pt.Description == "" && len(pt.Effects) == 0 {
			continue
		}
		parties = append(parties, pt)
	}
	in.AffectedParties = &parties
	return in
}

func (s *Server) impactEditForm(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadImpact(w, r, p)
	if !ok {
		return
	}
	if !v.CanEdit {
		s.fail(w, r, v.A.CheckEditable())
		return
	}
	s.renderImpactForm(w, r, p, http.StatusOK, v, nil)
}

func (s *Server) renderImpactForm(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, v impactView, err error) {
	if err != nil && !isFormError(err) {
		s.fail(w, r, err)
		return
	}
	f := formRows(v.A.AffectedParties, fault.Fields(err))
	v.Form = &f
	pg := page{Title: fmt.Sprintf("Assess %s, version %d", v.System.Name, v.A.Number), Nav: "impact", Principal: &p, CSRF: csrfFrom(r), Data: v}
	if err != nil {
		pg.Fields, pg.Error = fieldErrors(err)
		if fault.Is(err, fault.PreconditionErr) {
			pg.Error = "Someone else changed this draft while you were editing; this is the current version, make your change again."
		}
	}
	s.render(w, r, status, "impact_form", pg)
}

func isFormError(err error) bool {
	return fault.Is(err, fault.Invalid) || fault.Is(err, fault.PreconditionErr)
}

// impactSave saves the draft and, when the person pressed "Submit for review", submits it.
func (s *Server) impactSave(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadImpact(w, r, p)
	if !ok {
		return
	}
	if !v.CanEdit {
		if err := v.A.CheckEditable(); err != nil {
			s.fail(w, r, err)
		} else {
			s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not change this assessment", p.Role.Label()))
		}
		return
	}
	in := inputFromImpactForm(r.PostForm)
	var ifVersion *int64
	if n, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		ifVersion = &n
	}
	ctx := r.Context()
	saved, err := s.db.UpdateAssessment(ctx, p.OrgID, v.A.ID, in, ifVersion, actorOf(p))
	if err != nil {
		if fault.Is(err, fault.PreconditionErr) {
			v, _ = s.loadImpact(w, r, p)
		} else {
			v.A.Content = in.Apply(v.A.Content)
		}
		s.renderImpactForm(w, r, p, fault.CodeStatus(err), v, err)
		return
	}
	if r.PostFormValue("action") == "submit" {
		if _, err := s.db.SubmitAssessment(ctx, p.OrgID, saved.ID, nil, actorOf(p)); err != nil {
			v.A = saved
			s.renderImpactForm(w, r, p, fault.CodeStatus(err), v, err)
			return
		}
		s.setFlash(w, r, fmt.Sprintf("Version %d submitted for review. Another person must approve it.", saved.Number))
		http.Redirect(w, r, "/impact-assessments/"+saved.ID, http.StatusSeeOther)
		return
	}
	s.setFlash(w, r, "Draft saved.")
	http.Redirect(w, r, "/impact-assessments/"+saved.ID+"/edit", http.StatusSeeOther)
}

func (s *Server) impactDecide(approve bool) func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		if !p.Can(auth.ApproveAssessments) {
			s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not approve or return impact assessments", p.Role.Label()))
			return
		}
		v, ok := s.loadImpact(w, r, p)
		if !ok {
			return
		}
		d := impact.Decision{Comment: r.PostFormValue("comment")}
		var err error
		msg := fmt.Sprintf("Version %d approved and frozen.", v.A.Number)
		if approve {
			_, err = s.db.ApproveAssessment(r.Context(), p.OrgID, v.A.ID, d, nil, actorOf(p))
		} else {
			_, err = s.db.ReturnAssessment(r.Context(), p.OrgID, v.A.ID, d, nil, actorOf(p))
			msg = fmt.Sprintf("Version %d returned to draft with your comment.", v.A.Number)
		}
		if err != nil {
			if fault.Is(err, fault.Invalid) {
				pg := page{Title: fmt.Sprintf("Impact assessment of %s, version %d", v.System.Name, v.A.Number), Nav: "impact", Principal: &p, CSRF: csrfFrom(r), Data: v}
				pg.Fields, pg.Error = fieldErrors(err)
				s.render(w, r, fault.CodeStatus(err), "impact", pg)
				return
			}
			s.fail(w, r, err)
			return
		}
		s.setFlash(w, r, msg)
		http.Redirect(w, r, "/impact-assessments/"+v.A.ID, http.StatusSeeOther)
	}
}

func (s *Server) impactSubmit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadImpact(w, r, p)
	if !ok {
		return
	}
	if !canAssess(p, v.System) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not submit this assessment", p.Role.Label()))
		return
	}
	if _, err := s.db.SubmitAssessment(r.Context(), p.OrgID, v.A.ID, nil, actorOf(p)); err != nil {
		if fault.Is(err, fault.Invalid) && v.A.Status == impact.Draft {
			s.renderImpactForm(w, r, p, fault.CodeStatus(err), v, err)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Version %d submitted for review. Another person must approve it.", v.A.Number))
	http.Redirect(w, r, "/impact-assessments/"+v.A.ID, http.StatusSeeOther)
}

func (s *Server) impactNewVersion(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadImpact(w, r, p)
	if !ok {
		return
	}
	if !canAssess(p, v.System) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not start a new version of this assessment", p.Role.Label()))
		return
	}
	n, err := s.db.NewAssessmentVersion(r.Context(), p.OrgID, v.A.ID, actorOf(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("Version %d started as a copy of version %d, which stays in force until this one is approved.", n.Number, v.A.Number))
	http.Redirect(w, r, "/impact-assessments/"+n.ID+"/edit", http.StatusSeeOther)
}

type compareData struct {
	impactView
	Cmp      impact.Comparison
	Rows     []compareRow
	Numbers  []int
	FromID   string
	ToID     string
	FromWhen string
	ToWhen   string
}

type compareRow struct {
	impact.FieldDiff
	Label string
}

var pathPart = regexp.MustCompile(`^affected_parties\[(\d+)\](?:\.effects\[(\d+)\])?\.(\w+)$`)

// fieldLabel says in words which field a comparison row is: "Party 1 · effect 2 · severity".
func fieldLabel(t *impact.Template, field string) string {
	if m := pathPart.FindStringSubmatch(field); m != nil {
		i, _ := strconv.Atoi(m[1])
		label := fmt.Sprintf("Party %d", i+1)
		if m[2] != "" {
			j, _ := strconv.Atoi(m[2])
			label += fmt.Sprintf(" · effect %d", j+1)
		}
		return label + " · " + strings.ReplaceAll(m[3], "_", " ")
	}
	if id, ok := strings.CutPrefix(field, "fria."); ok {
		for _, e := range t.FRIAElements {
			if e.ID == id {
				return e.Ref + " " + e.Label
			}
		}
	}
	if field == "fria_required" {
		return "Fundamental-rights impact assessment owed (Art. 27)"
	}
	if f := t.Field(field); f.Label != "" {
		return f.Label
	}
	return field
}

func (s *Server) impactCompare(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadImpact(w, r, p)
	if !ok {
		return
	}
	q := r.URL.Query()
	from, _ := strconv.Atoi(q.Get("from"))
	to, _ := strconv.Atoi(q.Get("to"))
	cmp, err := s.db.CompareAssessments(r.Context(), p.OrgID, v.A.ID, from, to)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := compareData{impactView: v, Cmp: cmp}
	for _, a := range v.Versions {
		d.Numbers = append(d.Numbers, a.Number)
		if a.Number == cmp.From {
			d.FromID, d.FromWhen = a.ID, statusLabel(a.Status)
		}
		if a.Number == cmp.To {
			d.ToID, d.ToWhen = a.ID, statusLabel(a.Status)
		}
	}
	for _, f := range cmp.Fields {
		if f.From == "" && f.To == "" {
			continue
		}
		d.Rows = append(d.Rows, compareRow{FieldDiff: f, Label: fieldLabel(v.Tpl, f.Field)})
	}
	s.render(w, r, http.StatusOK, "impact_compare", page{Title: fmt.Sprintf("%s: version %d and version %d compared", v.System.Name, cmp.From, cmp.To),
		Nav: "impact", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

// impactRaiseRisks raises risks from the approved version and sends the person to the
// system's risks, saying what was created, what was there already and what was left out.
func (s *Server) impactRaiseRisks(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	v, ok := s.loadImpact(w, r, p)
	if !ok {
		return
	}
	if !canRaise(p, v.System) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not raise risks from this assessment", p.Role.Label()))
		return
	}
	res, err := s.db.RaiseAssessmentRisks(r.Context(), p.OrgID, v.A.ID, actorOf(p))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	msg := fmt.Sprintf("%d risk(s) raised into the register from version %d.", len(res.Created), v.A.Number)
	if n := len(res.AlreadyRaised); n > 0 {
		msg += fmt.Sprintf(" %d effect(s) had raised risks before.", n)
	}
	if n := len(res.Skipped); n > 0 {
		msg += fmt.Sprintf(" %d effect(s) are below the level your risk method requires to be treated and were not raised.", n)
	}
	s.setFlash(w, r, msg)
	http.Redirect(w, r, "/risks?ai_system="+v.System.ID, http.StatusSeeOther)
}
