package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/annexa-dev/annexa/internal/audit"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/catalog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/impact"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/monitor"
	"github.com/annexa-dev/annexa/internal/org"
	"github.com/annexa-dev/annexa/internal/risk"
	"github.com/annexa-dev/annexa/internal/soa"
	"github.com/annexa-dev/annexa/internal/store"
)

// DemoProgrammeFile is the demo organisation's ISO/IEC 27001 programme and AI work.
const DemoProgrammeFile = "demo/programme.json"

// DemoProgramme is what the demo organisation has built beyond its AI register: profile,
// controls, evidence, Statements of Applicability, risks and impact assessments. Dates are
// days from the day of loading, so the demo always shows current, expiring, expired and
// overdue items. People are named by e-mail address.
type DemoProgramme struct {
	Description string           `json:"description"`
	People      []DemoPerson     `json:"people"`
	Profile     org.Patch        `json:"profile"`
	Controls    []DemoControl    `json:"controls"`
	Starters    DemoStarters     `json:"starters"`
	Evidence    []DemoEvidence   `json:"evidence"`
	SoA         []DemoSoA        `json:"soa"`
	Risks       []DemoRisk       `json:"risks"`
	Assessments []DemoAssesment  `json:"assessments"`
	Audits      []DemoAudit      `json:"audits"`
	Reviews     []DemoReview     `json:"management_reviews"`
	Monitoring  []DemoMonitored  `json:"monitoring"`
	Parties     []org.PartyInput `json:"interested_parties"`
}

// DemoMonitored is an AI system's monitoring: metrics with values pushed over the past weeks
// (days before loading) and oversight entries.
type DemoMonitored struct {
	System  string `json:"system"`
	Metrics []struct {
		monitor.MetricInput
		Values []struct {
			Days  int     `json:"days"`
			Value float64 `json:"value"`
		} `json:"values"`
	} `json:"metrics"`
	Oversight []struct {
		Days     int             `json:"days"`
		Reviewer string          `json:"reviewer"`
		Case     string          `json:"case"`
		Outcome  monitor.Outcome `json:"outcome"`
		Note     string          `json:"note"`
	} `json:"oversight"`
}

// DemoAudit is an internal audit taken as far as its status says (planned or completed), with
// findings and the corrective actions answering them.
type DemoAudit struct {
	Title      string        `json:"title"`
	Kind       audit.Kind    `json:"kind"`
	Standards  []string      `json:"standards"`
	Scope      string        `json:"scope"`
	Lead       string        `json:"lead"`
	StartDays  int           `json:"start_days"`
	EndDays    int           `json:"end_days"`
	Status     audit.Status  `json:"status"`
	Conclusion string        `json:"conclusion,omitempty"`
	Findings   []DemoFinding `json:"findings,omitempty"`
	// Examined are the checklist's requirements the audit examined, by item id.
	Examined []string `json:"examined,omitempty"`
}

// DemoFinding is a finding with, for a nonconformity, its corrective action.
type DemoFinding struct {
	audit.NewFinding
	Action *DemoCorrectiveAction `json:"action,omitempty"`
}

// DemoCorrectiveAction is a corrective action taken as far as its status says: open,
// implemented, or effective (checked by VerifiedBy).
type DemoCorrectiveAction struct {
	Title         string             `json:"title"`
	Nonconformity string             `json:"nonconformity"`
	Correction    string             `json:"correction"`
	RootCause     string             `json:"root_cause"`
	Owner         string             `json:"owner"`
	DueDays       int                `json:"due_days"`
	Status        audit.ActionStatus `json:"status"`
	Actions       []struct {
		Title   string `json:"title"`
		Owner   string `json:"owner"`
		DueDays int    `json:"due_days"`
		Done    bool   `json:"done"`
	} `json:"actions"`
	VerifiedBy string `json:"verified_by,omitempty"`
	VerifyNote string `json:"verify_note,omitempty"`
}

// DemoReview is a management review's minutes, approved when ApprovedBy is set.
type DemoReview struct {
	Title      string            `json:"title"`
	HeldDays   int               `json:"held_days"`
	Standards  []string          `json:"standards"`
	Attendees  []string          `json:"attendees"`
	Inputs     map[string]string `json:"inputs"`
	ApprovedBy string            `json:"approved_by,omitempty"`
	Decisions  []struct {
		Text    string `json:"text"`
		Owner   string `json:"owner"`
		DueDays int    `json:"due_days"`
	} `json:"decisions"`
}

// DemoControl is one of the organisation's own controls; links are catalog:item.
type DemoControl struct {
	Ref         string            `json:"ref"`
	Title       string            `json:"title"`
	Owner       string            `json:"owner"`
	Status      control.Status    `json:"status"`
	Frequency   control.Frequency `json:"frequency"`
	Links       []string          `json:"links"`
	Description string            `json:"description"`
}

// DemoStarters are generated starter controls left unconfirmed, one per named item.
type DemoStarters struct {
	Catalog string   `json:"catalog"`
	Items   []string `json:"items"`
}

// DemoEvidence is a link or a small file (under catalogs/demo/) attached to a control.
type DemoEvidence struct {
	Title          string `json:"title"`
	URL            string `json:"url,omitempty"`
	File           string `json:"file,omitempty"`
	ValidFromDays  *int   `json:"valid_from_days,omitempty"`
	ValidUntilDays *int   `json:"valid_until_days,omitempty"`
	Control        string `json:"control"`
	Requirement    string `json:"requirement,omitempty"`
}

// DemoSoA is a Statement of Applicability. For ISO/IEC 27001 every row is decided: applicable
// with the row's or its theme's justification, or excluded with its own; the version is
// approved by someone other than its preparer. For ISO/IEC 42001 the register's proposals
// are accepted and the version stays a draft (no approver).
type DemoSoA struct {
	Catalog    string            `json:"catalog"`
	PreparedBy string            `json:"prepared_by"`
	ApprovedBy string            `json:"approved_by,omitempty"`
	Note       string            `json:"note"`
	Themes     map[string]string `json:"themes,omitempty"`
	Rows       map[string]string `json:"rows,omitempty"`
	Exclusions map[string]string `json:"exclusions,omitempty"`
}

// DemoRisk is a risk as the API takes it, with people by e-mail, systems by name and dates
// in days from today.
type DemoRisk struct {
	Title              string         `json:"title"`
	Category           string         `json:"category"`
	Owner              string         `json:"owner"`
	System             string         `json:"system,omitempty"`
	Likelihood         int            `json:"likelihood"`
	Impact             int            `json:"impact"`
	ResidualLikelihood int            `json:"residual_likelihood,omitempty"`
	ResidualImpact     int            `json:"residual_impact,omitempty"`
	Treatment          risk.Treatment `json:"treatment,omitempty"`
	Sources            []string       `json:"sources,omitempty"`
	Controls           []string       `json:"controls,omitempty"`
	Assets             []string       `json:"assets,omitempty"`
	ReviewDays         *int           `json:"review_days,omitempty"`
	Actions            []struct {
		Title   string `json:"title"`
		Owner   string `json:"owner"`
		DueDays int    `json:"due_days"`
	} `json:"actions,omitempty"`
	Accept *struct {
		By     string `json:"by"`
		Reason string `json:"reason"`
	} `json:"accept,omitempty"`
}

// DemoAssesment is an impact assessment and how far it has gone: draft, in_review, approved,
// or approved_then_changed (approved, then the system's model changed, so it is due).
type DemoAssesment struct {
	System     string `json:"system"`
	State      string `json:"state"`
	DraftedBy  string `json:"drafted_by"`
	ApprovedBy string `json:"approved_by,omitempty"`
	Change     *struct {
		Model   string `json:"model"`
		Version string `json:"version"`
	} `json:"change,omitempty"`
	Content struct {
		impact.Input
		NextReviewDays *int `json:"next_review_days,omitempty"`
	} `json:"content"`
}

// LoadDemoProgramme reads the embedded programme data; references are checked as it loads.
func LoadDemoProgramme(fsys fs.FS) (DemoProgramme, error) {
	var d DemoProgramme
	raw, err := fs.ReadFile(fsys, DemoProgrammeFile)
	if err != nil {
		return d, fmt.Errorf("demo data: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, fmt.Errorf("demo data %s: %w", DemoProgrammeFile, err)
	}
	return d, nil
}

// demoAs is the demo acting in a named person's name: the audit trail says the demo loader
// (kind system) did it, and four-eyes rules see the person.
func demoAs(m auth.Member) auditlog.Actor {
	return auditlog.Actor{Kind: auditlog.BySystem, UserID: m.ID, Email: m.Email}
}

// loadDemoProgramme builds the programme in an organisation that has no controls yet; with
// controls it does nothing, so loading again never duplicates it.
func loadDemoProgramme(ctx context.Context, db *store.DB, fsys fs.FS, orgID string, today time.Time) (bool, error) {
	existing, err := db.AllControls(ctx, orgID)
	if err != nil || len(existing) > 0 {
		return false, err
	}
	d, err := LoadDemoProgramme(fsys)
	if err != nil {
		return false, err
	}
	lib, err := catalog.LoadEmbedded()
	if err != nil {
		return false, err
	}
	for _, p := range d.People {
		if _, err := db.AddMember(ctx, orgID, auth.NewUser{Email: p.Email, Name: p.Name, Role: p.Role}, demoActor); err != nil && !fault.Is(err, fault.Conflict) {
			return false, fmt.Errorf("demo person %s: %w", p.Email, err)
		}
	}
	members, err := db.Members(ctx, orgID, store.PageRequest{Limit: store.MaxLimit})
	if err != nil {
		return false, err
	}
	people := map[string]auth.Member{}
	for _, m := range members.Items {
		people[m.Email] = m
	}
	person := func(email string) (auth.Member, error) {
		m, ok := people[email]
		if !ok {
			return m, fmt.Errorf("demo data: %s is not a person of the demo organisation", email)
		}
		return m, nil
	}
	systems, err := db.AllSystems(ctx, orgID, inventory.Filter{})
	if err != nil {
		return false, err
	}
	systemID := map[string]string{}
	for _, s := range systems {
		systemID[s.Name] = s.ID
	}
	days := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	lars, err := person(d.SoA[0].PreparedBy)
	if err != nil {
		return false, err
	}

	if _, err := db.UpdateOrganisation(ctx, orgID, d.Profile, nil, demoAs(lars)); err != nil {
		return false, fmt.Errorf("demo profile: %w", err)
	}

	// Controls, then a few generated starters nobody has taken on yet.
	byRef := map[string]string{}
	for _, c := range d.Controls {
		owner, err := person(c.Owner)
		if err != nil {
			return false, err
		}
		links := make([]control.RequirementRef, len(c.Links))
		for i, l := range c.Links {
			r, ok := control.ParseRequirement(l)
			if !ok {
				return false, fmt.Errorf("demo control %s: link %q is not catalog:item", c.Ref, l)
			}
			links[i] = r
		}
		created, err := db.CreateControl(ctx, orgID, control.Edit{Ref: &c.Ref, Title: &c.Title, Description: &c.Description, OwnerID: &owner.ID,
			Status: &c.Status, Frequency: &c.Frequency, Links: &links}, lib, demoAs(owner))
		if err != nil {
			return false, fmt.Errorf("demo control %s: %w", c.Ref, err)
		}
		byRef[c.Ref] = created.ID
	}
	if cat, ok := lib.Catalog(d.Starters.Catalog); ok {
		few := *cat
		few.Items = slices.DeleteFunc(slices.Clone(cat.Items), func(it catalog.Item) bool { return !slices.Contains(d.Starters.Items, it.ID) })
		if _, err := db.GenerateControls(ctx, orgID, &few, demoAs(lars)); err != nil {
			return false, fmt.Errorf("demo starter controls: %w", err)
		}
	}

	// Evidence: links and small files, attached to controls (and requirements).
	for _, e := range d.Evidence {
		if err := loadDemoEvidence(ctx, db, fsys, orgID, e, byRef, days, demoAs(lars)); err != nil {
			return false, fmt.Errorf("demo evidence %q: %w", e.Title, err)
		}
	}

	// Risks of both kinds, with treatment plans; one accepted.
	for _, r := range d.Risks {
		if err := loadDemoRisk(ctx, db, orgID, r, person, systemID, days); err != nil {
			return false, fmt.Errorf("demo risk %q: %w", r.Title, err)
		}
	}

	// Impact assessments, each taken as far as its state says.
	for _, a := range d.Assessments {
		if err := loadDemoAssessment(ctx, db, orgID, a, person, systemID, days); err != nil {
			return false, fmt.Errorf("demo assessment of %s: %w", a.System, err)
		}
	}

	// The audit programme: audits with their findings and corrective actions, then reviews.
	for _, a := range d.Audits {
		if err := loadDemoAudit(ctx, db, lib, orgID, a, person, days); err != nil {
			return false, fmt.Errorf("demo audit %q: %w", a.Title, err)
		}
	}
	for _, r := range d.Reviews {
		if err := loadDemoReview(ctx, db, orgID, r, person, days); err != nil {
			return false, fmt.Errorf("demo management review %q: %w", r.Title, err)
		}
	}

	// The interested parties of both management systems (4.2).
	for _, in := range d.Parties {
		if _, err := db.CreateParty(ctx, orgID, in, demoAs(lars)); err != nil {
			return false, fmt.Errorf("demo interested party %s: %w", *in.Name, err)
		}
	}

	// Monitoring of systems in operation: values over the past weeks, one drifting out of bounds.
	for _, m := range d.Monitoring {
		if err := loadDemoMonitoring(ctx, db, orgID, m, systemID, today); err != nil {
			return false, fmt.Errorf("demo monitoring of %s: %w", m.System, err)
		}
	}

	// The Statements of Applicability, last: they freeze the controls and evidence above.
	if _, err := db.UpdateSoASettings(ctx, orgID, soa.SettingsPatch{FourEyes: ptrTo(true)}, nil, demoActor); err != nil {
		return false, err
	}
	for _, s := range d.SoA {
		if err := loadDemoSoA(ctx, db, lib, orgID, s, person); err != nil {
			return false, fmt.Errorf("demo SoA %s: %w", s.Catalog, err)
		}
	}
	return true, nil
}

func ptrTo[T any](v T) *T { return &v }

func loadDemoAudit(ctx context.Context, db *store.DB, lib *catalog.Library, orgID string, d DemoAudit, person func(string) (auth.Member, error), days func(int) string) error {
	lead, err := person(d.Lead)
	if err != nil {
		return err
	}
	as := demoAs(lead)
	a, err := db.CreateAudit(ctx, orgID, audit.Input{Title: &d.Title, Kind: &d.Kind, Standards: &d.Standards, Scope: &d.Scope,
		LeadAuditorID: &lead.ID, PlannedStart: ptrTo(days(d.StartDays)), PlannedEnd: ptrTo(days(d.EndDays))}, as)
	if err != nil || d.Status == audit.Planned {
		return err
	}
	if a, err = db.UpdateAudit(ctx, orgID, a.ID, audit.Input{Status: ptrTo(audit.InProgress)}, nil, as); err != nil {
		return err
	}
	for _, f := range d.Findings {
		var found audit.Finding
		if a, found, err = db.AddFinding(ctx, orgID, a.ID, f.NewFinding, lib, nil, as); err != nil {
			return fmt.Errorf("finding on %s: %w", f.Requirement, err)
		}
		if f.Action != nil {
			if err := loadDemoCorrectiveAction(ctx, db, orgID, a.ID, found.ID, *f.Action, person, days); err != nil {
				return fmt.Errorf("corrective action %q: %w", f.Action.Title, err)
			}
		}
	}
	if len(d.Examined) > 0 {
		refs := make([]string, len(d.Examined))
		for i, id := range d.Examined {
			refs[i] = d.Standards[0] + ":" + id
		}
		if _, err := db.ExamineRequirements(ctx, orgID, a.ID, audit.Examination{Requirements: refs, Examined: true}, lib, nil, as); err != nil {
			return fmt.Errorf("checklist: %w", err)
		}
	}
	_, err = db.UpdateAudit(ctx, orgID, a.ID, audit.Input{Status: &d.Status, Conclusion: &d.Conclusion, CompletedOn: ptrTo(days(d.EndDays))}, nil, as)
	return err
}

func loadDemoCorrectiveAction(ctx context.Context, db *store.DB, orgID, auditID, findingID string, d DemoCorrectiveAction, person func(string) (auth.Member, error), days func(int) string) error {
	owner, err := person(d.Owner)
	if err != nil {
		return err
	}
	var actions []risk.Action
	for _, a := range d.Actions {
		o, err := person(a.Owner)
		if err != nil {
			return err
		}
		actions = append(actions, risk.Action{Title: a.Title, OwnerID: o.ID, Due: days(a.DueDays), Done: a.Done})
	}
	in := audit.ActionInput{Title: &d.Title, AuditID: &auditID, FindingID: &findingID, Nonconformity: &d.Nonconformity, Correction: &d.Correction,
		RootCause: &d.RootCause, OwnerID: &owner.ID, DueOn: ptrTo(days(d.DueDays)), Actions: &actions}
	c, err := db.CreateCorrectiveAction(ctx, orgID, in, demoAs(owner))
	if err != nil || d.Status == audit.ActionOpen {
		return err
	}
	if c, err = db.UpdateCorrectiveAction(ctx, orgID, c.ID, audit.ActionInput{Status: ptrTo(audit.ActionImplemented)}, nil, demoAs(owner)); err != nil || d.Status == audit.ActionImplemented {
		return err
	}
	checker, err := person(d.VerifiedBy)
	if err != nil {
		return err
	}
	_, err = db.VerifyCorrectiveAction(ctx, orgID, c.ID, audit.Check{Effective: true, Note: d.VerifyNote},
		auth.Principal{UserID: checker.ID, Email: checker.Email, OrgID: orgID, Role: checker.Role}, nil, demoAs(checker))
	return err
}

func loadDemoMonitoring(ctx context.Context, db *store.DB, orgID string, d DemoMonitored, systemID map[string]string, today time.Time) error {
	id, ok := systemID[d.System]
	if !ok {
		return fmt.Errorf("no AI system %q in the demo register", d.System)
	}
	for _, m := range d.Metrics {
		if _, err := db.CreateMetric(ctx, orgID, id, m.MetricInput, demoActor); err != nil {
			return fmt.Errorf("metric %s: %w", *m.Name, err)
		}
		var rs []monitor.Reading
		for _, v := range m.Values {
			rs = append(rs, monitor.Reading{Metric: *m.Name, Value: v.Value, At: ptrTo(today.AddDate(0, 0, v.Days))})
		}
		if len(rs) == 0 {
			continue // a metric computed from other records, such as the override rate
		}
		if _, err := db.PushReadings(ctx, orgID, id, rs, demoActor); err != nil {
			return fmt.Errorf("values of %s: %w", *m.Name, err)
		}
	}
	var entries []monitor.NewOversight
	for _, o := range d.Oversight {
		entries = append(entries, monitor.NewOversight{At: ptrTo(today.AddDate(0, 0, o.Days)), Reviewer: o.Reviewer, Case: o.Case, Outcome: o.Outcome, Note: o.Note})
	}
	if len(entries) > 0 {
		if _, _, err := db.LogOversight(ctx, orgID, id, entries, "demo loader", demoActor); err != nil {
			return fmt.Errorf("oversight log: %w", err)
		}
	}
	return nil
}

func loadDemoReview(ctx context.Context, db *store.DB, orgID string, d DemoReview, person func(string) (auth.Member, error), days func(int) string) error {
	var decisions []audit.Decision
	for _, x := range d.Decisions {
		o, err := person(x.Owner)
		if err != nil {
			return err
		}
		decisions = append(decisions, audit.Decision{Text: x.Text, OwnerID: o.ID, Due: days(x.DueDays)})
	}
	r, err := db.CreateManagementReview(ctx, orgID, audit.ReviewInput{Title: &d.Title, HeldOn: ptrTo(days(d.HeldDays)), Standards: &d.Standards,
		Attendees: &d.Attendees, Inputs: &d.Inputs, Decisions: &decisions}, demoActor)
	if err != nil || d.ApprovedBy == "" {
		return err
	}
	by, err := person(d.ApprovedBy)
	if err != nil {
		return err
	}
	_, err = db.ApproveManagementReview(ctx, orgID, r.ID, auth.Principal{UserID: by.ID, Email: by.Email, OrgID: orgID, Role: by.Role}, nil, demoAs(by))
	return err
}

func loadDemoEvidence(ctx context.Context, db *store.DB, fsys fs.FS, orgID string, e DemoEvidence, byRef map[string]string, days func(int) string, actor auditlog.Actor) error {
	id, ok := byRef[e.Control]
	if !ok {
		return fmt.Errorf("no demo control %s", e.Control)
	}
	meta := evidence.Meta{Title: &e.Title, RecordType: ptrTo(evidence.ToControl), RecordID: &id}
	if e.ValidFromDays != nil {
		meta.ValidFrom = ptrTo(days(*e.ValidFromDays))
	}
	if e.ValidUntilDays != nil {
		meta.ValidUntil = ptrTo(days(*e.ValidUntilDays))
	}
	var file *store.NewFile
	kind := evidence.Link
	if e.File != "" {
		kind = evidence.File
		data, err := fs.ReadFile(fsys, path.Join("demo", e.File))
		if err != nil {
			return err
		}
		sum, err := evidence.Store(ctx, db.EvidenceBlobs(), data)
		if err != nil {
			return err
		}
		ct := mime.TypeByExtension(path.Ext(e.File))
		if ct == "" {
			ct = "application/octet-stream"
		}
		file = &store.NewFile{FileName: path.Base(e.File), ContentType: ct, SHA256: sum, Size: int64(len(data))}
	} else {
		meta.URL = &e.URL
	}
	p, err := meta.Parse(true, kind)
	if err != nil {
		return err
	}
	ev, err := db.CreateEvidence(ctx, orgID, p, file, actor)
	if err != nil {
		return err
	}
	if e.Requirement != "" {
		if _, err := db.LinkEvidence(ctx, orgID, ev.ID, evidence.Attachment{RecordType: evidence.ToRequirement, RecordID: e.Requirement}, actor); err != nil {
			return err
		}
	}
	return nil
}

func loadDemoRisk(ctx context.Context, db *store.DB, orgID string, r DemoRisk, person func(string) (auth.Member, error),
	systemID map[string]string, days func(int) string) error {
	owner, err := person(r.Owner)
	if err != nil {
		return err
	}
	in := risk.Input{Title: &r.Title, Category: &r.Category, OwnerID: &owner.ID, Likelihood: &r.Likelihood, Impact: &r.Impact,
		Sources: &r.Sources, Controls: &r.Controls, Assets: &r.Assets}
	if r.Treatment != "" {
		in.Treatment = &r.Treatment
	}
	if r.ResidualLikelihood > 0 {
		in.ResidualLikelihood, in.ResidualImpact = &r.ResidualLikelihood, &r.ResidualImpact
	}
	if r.System != "" {
		id, ok := systemID[r.System]
		if !ok {
			return fmt.Errorf("no demo AI system %q", r.System)
		}
		in.AISystemIDs = &[]string{id}
	}
	if r.ReviewDays != nil {
		in.NextReview = ptrTo(days(*r.ReviewDays))
	}
	if len(r.Actions) > 0 {
		actions := []risk.Action{}
		for _, a := range r.Actions {
			o, err := person(a.Owner)
			if err != nil {
				return err
			}
			actions = append(actions, risk.Action{Title: a.Title, OwnerID: o.ID, Due: days(a.DueDays)})
		}
		in.Actions = &actions
		if r.Treatment != "" {
			in.Status = ptrTo(risk.InTreatment)
		}
	}
	created, err := db.CreateRisk(ctx, orgID, in, demoAs(owner))
	if err != nil {
		return err
	}
	if r.Accept != nil {
		by, err := person(r.Accept.By)
		if err != nil {
			return err
		}
		p := auth.Principal{UserID: by.ID, Email: by.Email, Name: by.Name, OrgID: orgID, Role: by.Role}
		if _, err := db.AcceptRisk(ctx, orgID, created.ID, p, r.Accept.Reason, nil, demoAs(by)); err != nil {
			return err
		}
	}
	return nil
}

func loadDemoAssessment(ctx context.Context, db *store.DB, orgID string, d DemoAssesment, person func(string) (auth.Member, error),
	systemID map[string]string, days func(int) string) error {
	sysID, ok := systemID[d.System]
	if !ok {
		return fmt.Errorf("no demo AI system %q", d.System)
	}
	drafter, err := person(d.DraftedBy)
	if err != nil {
		return err
	}
	in := d.Content.Input
	if d.Content.NextReviewDays != nil {
		in.NextReview = ptrTo(days(*d.Content.NextReviewDays))
	}
	a, err := db.CreateAssessment(ctx, orgID, impact.NewAssessment{SystemID: sysID, Input: in}, demoAs(drafter))
	if err != nil || d.State == "draft" {
		return err
	}
	if a, err = db.SubmitAssessment(ctx, orgID, a.ID, nil, demoAs(drafter)); err != nil || d.State == "in_review" {
		return err
	}
	approver, err := person(d.ApprovedBy)
	if err != nil {
		return err
	}
	if _, err := db.ApproveAssessment(ctx, orgID, a.ID, impact.Decision{Comment: "Approved for use under the conditions in the conclusion."}, nil, demoAs(approver)); err != nil {
		return err
	}
	if d.Change == nil {
		return nil
	}
	// A material change after approval: a new model version makes the assessment due.
	sys, err := db.System(ctx, orgID, sysID)
	if err != nil {
		return err
	}
	models := slices.Clone(sys.Models)
	changed := false
	for i := range models {
		if models[i].Name == d.Change.Model {
			models[i].Version, changed = d.Change.Version, true
		}
	}
	if !changed {
		return fmt.Errorf("the system has no model %q to change", d.Change.Model)
	}
	_, err = db.UpdateSystem(ctx, orgID, sysID, inventory.Input{Models: &models}, nil, demoAs(drafter))
	return err
}

func loadDemoSoA(ctx context.Context, db *store.DB, lib *catalog.Library, orgID string, s DemoSoA, person func(string) (auth.Member, error)) error {
	cat, ok := lib.Catalog(s.Catalog)
	if !ok {
		return fmt.Errorf("no catalog %s", s.Catalog)
	}
	preparer, err := person(s.PreparedBy)
	if err != nil {
		return err
	}
	if s.Catalog == inventory.ISO42001 {
		props, err := db.SoAProposals(ctx, orgID, cat.ID, lib)
		if err != nil {
			return err
		}
		if _, err := db.AcceptProposals(ctx, orgID, cat, props, demoAs(preparer)); err != nil {
			return err
		}
	} else {
		for _, it := range cat.Items {
			if it.Kind != soa.ItemKind {
				continue
			}
			d := soa.Decision{Applicable: ptrTo(true), Justification: s.Rows[it.ID]}
			if why, ok := s.Exclusions[it.ID]; ok {
				d = soa.Decision{Applicable: ptrTo(false), Justification: why}
			}
			if d.Justification == "" {
				theme, _, _ := strings.Cut(strings.TrimPrefix(it.ID, "A."), ".")
				d.Justification = s.Themes["A."+theme]
			}
			if _, err := db.DecideSoA(ctx, orgID, cat, it.ID, d, nil, demoAs(preparer)); err != nil {
				return fmt.Errorf("%s: %w", it.ID, err)
			}
		}
	}
	st, err := db.SoAStatement(ctx, orgID, cat, lib)
	if err != nil {
		return err
	}
	v, err := db.CreateSoAVersion(ctx, orgID, st, s.Note, demoAs(preparer))
	if err != nil || s.ApprovedBy == "" {
		return err
	}
	approver, err := person(s.ApprovedBy)
	if err != nil {
		return err
	}
	_, err = db.ApproveSoAVersion(ctx, orgID, cat.ID, v.Number, demoAs(approver))
	return err
}
