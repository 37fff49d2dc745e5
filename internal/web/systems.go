package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/aiact"
	"github.com/annexa-dev/annexa/internal/api"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/store"
)

// choice is one option of a select, radio group or checkbox list.
type choice struct {
	Value, Label string
	Checked      bool
}

func choices[T ~string](all []T, label func(T) string, checked func(T) bool) []choice {
	out := make([]choice, len(all))
	for i, v := range all {
		out[i] = choice{Value: string(v), Label: label(v), Checked: checked(v)}
	}
	return out
}

// humanise turns an enum id into words: "design_and_development" → "Design and development".
func humanise[T ~string](v T) string {
	s := strings.ReplaceAll(string(v), "_", " ")
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var actRoleLabels = map[aiact.Role]string{
	aiact.RoleProvider: "Provider (Art. 3(3))", aiact.RoleDeployer: "Deployer (Art. 3(4))", aiact.RoleImporter: "Importer (Art. 3(6))",
	aiact.RoleDistributor: "Distributor (Art. 3(7))", aiact.RoleAuthorisedRepresentative: "Authorised representative (Art. 3(5))",
	aiact.RoleProductManufacturer: "Product manufacturer (Art. 25(3))",
}

func actRoleLabel(r aiact.Role) string { return actRoleLabels[r] }

var tierLabels = map[aiact.Tier]string{aiact.TierProhibited: "Prohibited", aiact.TierHigh: "High risk", aiact.TierLimited: "Limited risk",
	aiact.TierMinimal: "Minimal risk", aiact.TierOutOfScope: "Out of scope"}

func tierLabel(t aiact.Tier) string {
	if l, ok := tierLabels[t]; ok {
		return l
	}
	return "Not classified"
}

type systemsData struct {
	Systems   []systemRow
	NextHref  string
	Filter    inventory.Filter
	ReviewDue string
	Tiers     []choice
	Roles     []choice
	Stages    []choice
	Sourcings []choice
	People    []auth.Member
	Total     int
	Filtered  bool
}

type systemRow struct {
	inventory.System
	Owner string
}

func (s *Server) people(r *http.Request, orgID string) ([]auth.Member, map[string]string, error) {
	pg, err := s.db.Members(r.Context(), orgID, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, m := range pg.Items {
		names[m.ID] = m.Email
		if m.Name != "" {
			names[m.ID] = m.Name
		}
	}
	return pg.Items, names, nil
}

func (s *Server) systemsPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q := r.URL.Query()
	f := inventory.Filter{Query: q.Get("q"), Tier: aiact.Tier(q.Get("tier")), Role: aiact.Role(q.Get("role")),
		LifecycleStage: inventory.LifecycleStage(q.Get("lifecycle_stage")), OwnerID: q.Get("owner"), Vendor: q.Get("vendor"),
		Sourcing: inventory.Sourcing(q.Get("sourcing")), Unknown: q.Get("unknown")}
	d := systemsData{Filter: f, ReviewDue: q.Get("review_due")}
	if d.ReviewDue == "true" {
		yes := true
		f.ReviewDue = &yes
	}
	d.Filtered = f.Query != "" || f.Tier != "" || f.Role != "" || f.LifecycleStage != "" || f.OwnerID != "" || f.Vendor != "" || f.Sourcing != "" || f.ReviewDue != nil || f.Unknown != ""
	pr := store.PageRequest{Limit: 100, Cursor: q.Get("cursor")}
	if err := pr.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := s.db.Systems(r.Context(), p.OrgID, f, pr)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	people, names, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Total, err = s.db.SystemCount(r.Context(), p.OrgID); err != nil {
		s.fail(w, r, err)
		return
	}
	d.People = people
	for _, sys := range pg.Items {
		d.Systems = append(d.Systems, systemRow{System: sys, Owner: names[sys.OwnerID]})
	}
	if pg.NextCursor != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("cursor", pg.NextCursor)
		d.NextHref = "/ai-systems?" + nq.Encode()
	}
	d.Tiers = choices(aiact.Tiers, tierLabel, func(t aiact.Tier) bool { return t == f.Tier })
	d.Roles = choices(aiact.Roles, actRoleLabel, func(x aiact.Role) bool { return x == f.Role })
	d.Stages = choices(inventory.LifecycleStages, humanise, func(x inventory.LifecycleStage) bool { return x == f.LifecycleStage })
	d.Sourcings = choices(inventory.Sourcings, humanise, func(x inventory.Sourcing) bool { return x == f.Sourcing })
	s.render(w, r, http.StatusOK, "systems", page{Title: "AI systems", Nav: "ai-systems", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

type systemData struct {
	System      inventory.System
	Owner       string
	Applicable  inventory.Applicability
	Current     aiact.Result
	History     []inventory.ClassificationRecord
	CanChange   bool
	FactsJSON   string
	UnknownText []string
	OpenPoints  []openPointView
	Impact      []impact.Assessment // every version of its impact assessment, oldest first
	CanAssess   bool
	// RiskSuggestions are the risks suggested for the system (internal/web/risks.go).
	RiskSuggestions systemRiskSuggestions
}

// openPointView is a questionnaire answer of "not sure", in the question's own words.
type openPointView struct{ ID, Question, Ref string }

// unknownLabels say in words what a field of the register is, for "still to find out".
var unknownLabels = map[string]string{
	"intended_purpose": "its intended purpose", "owner_id": "who owns it", "sourcing": "how it is sourced", "vendor": "its vendor",
	"eu_ai_act_roles": "your EU AI Act role for it", "lifecycle_stage": "its lifecycle stage", "affected_groups": "who it affects",
	"personal_data": "whether it processes personal data", "special_category_data": "whether it processes special-category data",
	"models": "which models it uses", "automation": "how far it decides on its own", "human_oversight": "how people oversee it",
	"criticality": "how critical it is", "facts.eu_nexus": "its link to the EU (Art. 2(1))",
}

func canChangeSystem(p auth.Principal, sys inventory.System) bool {
	return p.Can(auth.ManageInventory) && (p.Role != auth.AISystemOwner || sys.OwnerID == p.UserID)
}

func (s *Server) systemPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	ctx := r.Context()
	sys, err := s.db.System(ctx, p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := systemData{System: sys, CanChange: canChangeSystem(p, sys), CanAssess: canAssess(p, sys)}
	if d.Impact, err = s.db.SystemAssessments(ctx, p.OrgID, sys.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if sys.OwnerID != "" {
		if m, err := s.db.Member(ctx, p.OrgID, sys.OwnerID); err == nil {
			d.Owner = m.Email
			if m.Name != "" {
				d.Owner = m.Name
			}
		}
	}
	if d.Current, err = aiact.Classify(sys.Facts, time.Now().UTC()); err != nil {
		s.fail(w, r, err)
		return
	}
	rules, err := inventory.DefaultRules()
	if err != nil {
		s.fail(w, r, fault.Wrap(err, "load applicability rules"))
		return
	}
	sys.Classification = &d.Current
	d.Applicable = rules.Applicable(sys, s.opts.Catalogs.Builtin())
	if d.History, err = s.db.ClassificationHistory(ctx, p.OrgID, sys.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	b, _ := json.MarshalIndent(sys.Facts, "", "  ")
	d.FactsJSON = string(b)
	for _, u := range sys.Unknown {
		d.UnknownText = append(d.UnknownText, unknownLabels[u])
	}
	if qn, err := aiact.DefaultQuestionnaire(); err == nil {
		for _, id := range sys.OpenPoints {
			v := openPointView{ID: id, Question: id}
			if q, ok := qn.Question(id); ok {
				v.Question, v.Ref = q.Text, q.Ref
			}
			d.OpenPoints = append(d.OpenPoints, v)
		}
	}
	d.RiskSuggestions = s.riskSuggestionsFor(r, p, sys)
	s.render(w, r, http.StatusOK, "system", page{Title: sys.Name, Nav: "ai-systems", Principal: &p, CSRF: csrfFrom(r), Data: d})
}

// systemForm is the register's create and edit form.
type systemForm struct {
	ID, Version                                                string
	Name, IntendedPurpose, OwnerID, BusinessUnit, Vendor       string
	DeploymentContext, DecisionsInformed, HumanOversight       string
	Sourcing, LifecycleStage, Automation, Criticality          string
	PersonalData, SpecialCategoryData                          string // "yes", "no" or "" (unknown)
	ActRoles, ISORoles, Groups, Sourcings, Stages, Autos, Crit []choice
	People                                                     []auth.Member
	Models                                                     []inventory.Model
	EUNexus                                                    []choice
}

func triState(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}

func formFor(sys inventory.System, people []auth.Member) systemForm {
	f := systemForm{ID: sys.ID, Version: strconv.FormatInt(sys.Version, 10), Name: sys.Name, IntendedPurpose: sys.IntendedPurpose,
		OwnerID: sys.OwnerID, BusinessUnit: sys.BusinessUnit, Vendor: sys.Vendor, DeploymentContext: sys.DeploymentContext,
		DecisionsInformed: sys.DecisionsInformed, HumanOversight: sys.HumanOversight, Sourcing: string(sys.Sourcing),
		LifecycleStage: string(sys.LifecycleStage), Automation: string(sys.Automation), Criticality: string(sys.Criticality),
		PersonalData: triState(sys.PersonalData), SpecialCategoryData: triState(sys.SpecialCategoryData), People: people}
	f.ActRoles = choices(aiact.Roles, actRoleLabel, func(x aiact.Role) bool { return contains(sys.ActRoles, x) })
	f.ISORoles = choices(org.AIRoles, org.AIRole.Label, func(x org.AIRole) bool { return contains(sys.AIRoles, x) })
	f.Groups = choices(inventory.AffectedGroups, humanise, func(x inventory.AffectedGroup) bool { return contains(sys.AffectedGroups, x) })
	f.Sourcings = choices(inventory.Sourcings, humanise, func(x inventory.Sourcing) bool { return x == sys.Sourcing })
	f.Stages = choices(inventory.LifecycleStages, humanise, func(x inventory.LifecycleStage) bool { return x == sys.LifecycleStage })
	f.Autos = choices(inventory.Automations, humanise, func(x inventory.Automation) bool { return x == sys.Automation })
	f.Crit = choices(inventory.Criticalities, humanise, func(x inventory.Criticality) bool { return x == sys.Criticality })
	n := sys.Facts.EUNexus
	f.EUNexus = []choice{
		{Value: "placed_on_market_or_put_into_service_in_eu", Label: "Placed on the market or put into service in the EU", Checked: n.PlacedOnMarketOrPutIntoServiceInEU},
		{Value: "deployer_established_in_eu", Label: "Used by us, and we are established in the EU", Checked: n.DeployerEstablishedInEU},
		{Value: "output_used_in_eu", Label: "Its output is used in the EU", Checked: n.OutputUsedInEU},
	}
	// Existing models plus two empty rows, so a model can be added without JavaScript.
	f.Models = append(append([]inventory.Model{}, sys.Models...), inventory.Model{}, inventory.Model{})
	return f
}

// inputFromForm reads the form into a full update: every field the form shows is set.
func inputFromForm(r *http.Request, before inventory.System) inventory.Input {
	v := r.PostForm
	str := func(k string) *string { x := v.Get(k); return &x }
	tri := func(k string) *bool {
		switch v.Get(k) {
		case "yes":
			b := true
			return &b
		case "no":
			b := false
			return &b
		}
		return nil
	}
	in := inventory.Input{Name: str("name"), IntendedPurpose: str("intended_purpose"), OwnerID: str("owner_id"), BusinessUnit: str("business_unit"),
		Vendor: str("vendor"), DeploymentContext: str("deployment_context"), DecisionsInformed: str("decisions_informed"), HumanOversight: str("human_oversight")}
	if x := inventory.Sourcing(v.Get("sourcing")); x != "" {
		in.Sourcing = &x
	}
	if x := inventory.LifecycleStage(v.Get("lifecycle_stage")); x != "" {
		in.LifecycleStage = &x
	}
	if x := inventory.Automation(v.Get("automation")); x != "" {
		in.Automation = &x
	}
	if x := inventory.Criticality(v.Get("criticality")); x != "" {
		in.Criticality = &x
	}
	in.PersonalData, in.SpecialCategoryData = tri("personal_data"), tri("special_category_data")
	roles := []aiact.Role{}
	for _, x := range v["eu_ai_act_roles"] {
		roles = append(roles, aiact.Role(x))
	}
	iso := []org.AIRole{}
	for _, x := range v["iso_roles"] {
		iso = append(iso, org.AIRole(x))
	}
	groups := []inventory.AffectedGroup{}
	for _, x := range v["affected_groups"] {
		groups = append(groups, inventory.AffectedGroup(x))
	}
	in.ActRoles, in.AIRoles, in.AffectedGroups = &roles, &iso, &groups
	models := []inventory.Model{}
	names, versions, providers, types := v["model_name"], v["model_version"], v["model_provider"], v["model_type"]
	for i, name := range names {
		if strings.TrimSpace(name) == "" {
			continue
		}
		m := inventory.Model{Name: name, Version: at(versions, i), Provider: at(providers, i), Type: at(types, i)}
		// Keep the model card the form does not show.
		for _, old := range before.Models {
			if strings.EqualFold(old.Name, m.Name) {
				m.ModelCard, m.Licence = old.ModelCard, old.Licence
			}
		}
		models = append(models, m)
	}
	in.Models = &models
	facts := before.Facts
	nexus := v["eu_nexus"]
	facts.EUNexus = aiact.EUNexus{PlacedOnMarketOrPutIntoServiceInEU: contains(nexus, "placed_on_market_or_put_into_service_in_eu"),
		DeployerEstablishedInEU: contains(nexus, "deployer_established_in_eu"), OutputUsedInEU: contains(nexus, "output_used_in_eu")}
	in.Facts = &facts
	return in
}

func at(xs []string, i int) string {
	if i < len(xs) {
		return strings.TrimSpace(xs[i])
	}
	return ""
}

func (s *Server) renderSystemForm(w http.ResponseWriter, r *http.Request, p auth.Principal, status int, f systemForm, err error) {
	pg := page{Title: "Register an AI system", Nav: "ai-systems", Principal: &p, CSRF: csrfFrom(r), Data: f}
	if f.ID != "" {
		pg.Title = "Edit " + f.Name
	}
	if err != nil {
		pg.Fields, pg.Error = fieldErrors(err)
	}
	s.render(w, r, status, "systemform", pg)
}

func (s *Server) systemNewForm(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ManageInventory) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not register AI systems", p.Role.Label()))
		return
	}
	people, _, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sys := inventory.System{OwnerID: p.UserID}
	sys.Normalise()
	s.renderSystemForm(w, r, p, http.StatusOK, formFor(sys, people), nil)
}

func (s *Server) systemCreate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if !p.Can(auth.ManageInventory) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not register AI systems", p.Role.Label()))
		return
	}
	in := inputFromForm(r, inventory.System{})
	if p.Role == auth.AISystemOwner && *in.OwnerID != p.UserID {
		s.fail(w, r, fault.New(fault.Forbidden, "as an AI system owner you may register systems only with yourself as owner"))
		return
	}
	sys, err := s.db.CreateSystem(r.Context(), p.OrgID, in, actorOf(p))
	if err != nil {
		s.redisplay(w, r, p, in.Apply(inventory.System{}), err)
		return
	}
	s.setFlash(w, r, fmt.Sprintf("%s registered and classified: %s.", sys.Name, tierLabel(sys.Tier())))
	http.Redirect(w, r, "/ai-systems/"+sys.ID, http.StatusSeeOther)
}

// redisplay shows the form again with what the person typed and the errors beside the fields.
func (s *Server) redisplay(w http.ResponseWriter, r *http.Request, p auth.Principal, typed inventory.System, err error) {
	if fault.Is(err, fault.Internal) || fault.Is(err, fault.NotFound) || fault.Is(err, fault.Forbidden) {
		s.fail(w, r, err)
		return
	}
	people, _, perr := s.people(r, p.OrgID)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	f := formFor(typed, people)
	if fault.Is(err, fault.PreconditionErr) {
		current, cerr := s.db.System(r.Context(), p.OrgID, typed.ID)
		if cerr != nil {
			s.fail(w, r, cerr)
			return
		}
		f = formFor(current, people)
		err = fault.New(fault.PreconditionErr, "someone else changed this system while you were editing; this is the current version, make your change again")
	}
	s.renderSystemForm(w, r, p, fault.CodeStatus(err), f, err)
}

func (s *Server) editableSystem(w http.ResponseWriter, r *http.Request, p auth.Principal) (inventory.System, bool) {
	sys, err := s.db.System(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return sys, false
	}
	if !canChangeSystem(p, sys) {
		s.fail(w, r, fault.New(fault.Forbidden, "your role (%s) may not change this AI system", p.Role.Label()))
		return sys, false
	}
	return sys, true
}

func (s *Server) systemEditForm(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sys, ok := s.editableSystem(w, r, p)
	if !ok {
		return
	}
	people, _, err := s.people(r, p.OrgID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderSystemForm(w, r, p, http.StatusOK, formFor(sys, people), nil)
}

func (s *Server) systemUpdate(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sys, ok := s.editableSystem(w, r, p)
	if !ok {
		return
	}
	in := inputFromForm(r, sys)
	var ifVersion *int64
	if v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		ifVersion = &v
	}
	up, err := s.db.UpdateSystem(r.Context(), p.OrgID, sys.ID, in, ifVersion, actorOf(p))
	if err != nil {
		typed := in.Apply(sys)
		s.redisplay(w, r, p, typed, err)
		return
	}
	msg := up.Name + " saved."
	if up.ReviewDue && !sys.ReviewDue {
		msg += " The change is material: its classification, impact assessment and risks are due for review."
	}
	s.setFlash(w, r, msg)
	http.Redirect(w, r, "/ai-systems/"+sys.ID, http.StatusSeeOther)
}

func (s *Server) systemReviewed(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sys, ok := s.editableSystem(w, r, p)
	if !ok {
		return
	}
	if _, err := s.db.UpdateSystem(r.Context(), p.OrgID, sys.ID, inventory.Input{MarkReviewed: true}, nil, actorOf(p)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, "Review recorded for "+sys.Name+".")
	http.Redirect(w, r, "/ai-systems/"+sys.ID, http.StatusSeeOther)
}

func (s *Server) systemDelete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	sys, ok := s.editableSystem(w, r, p)
	if !ok {
		return
	}
	if err := s.db.DeleteSystem(r.Context(), p.OrgID, sys.ID, nil, actorOf(p)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, sys.Name+" removed from the register. Its history stays in the audit log.")
	http.Redirect(w, r, "/ai-systems", http.StatusSeeOther)
}

// systemQuestionnaire runs the guided EU AI Act questionnaire for one system, starting from
// its recorded facts, and saves the facts, its roles and the open points to the register.
func (s *Server) systemQuestionnaire(r *http.Request, p auth.Principal) (QuestionnaireOptions, error) {
	sys, err := s.db.System(r.Context(), p.OrgID, r.PathValue("id"))
	if err != nil {
		return QuestionnaireOptions{}, err
	}
	start := sys.Facts
	return QuestionnaireOptions{
		Action: "/ai-systems/" + sys.ID + "/classify", Title: "Classify " + sys.Name, Nav: "ai-systems", Start: &start,
		DoneLabel: "Save to " + sys.Name,
		Done: func(w http.ResponseWriter, r *http.Request, p auth.Principal, o QuestionnaireOutcome) (string, error) {
			current, err := s.db.System(r.Context(), p.OrgID, sys.ID)
			if err != nil {
				return "", err
			}
			if !canChangeSystem(p, current) {
				return "", fault.New(fault.Forbidden, "your role (%s) may not change this AI system", p.Role.Label())
			}
			facts := o.Facts
			in := inventory.Input{Facts: &facts, OpenPoints: &o.OpenPoints}
			if len(facts.Roles) > 0 {
				roles := facts.Roles
				in.ActRoles = &roles
			}
			up, err := s.db.UpdateSystem(r.Context(), p.OrgID, sys.ID, in, nil, actorOf(p))
			if err != nil {
				return "", err
			}
			msg := fmt.Sprintf("Classification saved: %s.", tierLabel(up.Tier()))
			if n := len(up.OpenPoints); n > 0 {
				msg += fmt.Sprintf(" %d open point(s) to settle.", n)
			}
			s.setFlash(w, r, msg)
			return "/ai-systems/" + sys.ID, nil
		},
	}, nil
}

// techdocPage shows the outline of a system's technical documentation (Art. 11, Annex IV).
func (s *Server) techdocPage(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if s.deny(w, r, p, auth.ReadRecords) {
		return
	}
	o, _, err := api.TechnicalDocumentation(r.Context(), s.db, p.OrgID, r.PathValue("id"), time.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "techdoc", page{Title: "Technical documentation: " + o.SystemName, Nav: "ai-systems", Principal: &p, CSRF: csrfFrom(r), Data: o})
}
