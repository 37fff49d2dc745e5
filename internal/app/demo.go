package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/annexa-dev/annexa/catalogs"
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/inventory"
	"github.com/annexa-dev/annexa/internal/store"
)

// DemoFile is the demo organisation's data, embedded with the catalogs; later capabilities
// add their own files beside it.
const DemoFile = "demo/inventory.json"

// Demo is the demo organisation as its data file describes it.
type Demo struct {
	Description  string       `json:"description"`
	Organisation string       `json:"organisation"`
	Admin        DemoPerson   `json:"admin"`
	People       []DemoPerson `json:"people"`
	Systems      []DemoSystem `json:"systems"`
}

// DemoPerson is one person of the demo organisation.
type DemoPerson struct {
	Email string    `json:"email"`
	Name  string    `json:"name"`
	Role  auth.Role `json:"role"`
}

// DemoSystem is an AI system as the API takes it, with its owner by e-mail address.
type DemoSystem struct {
	Owner string `json:"owner"`
	inventory.Input
}

// LoadDemoData reads and checks the embedded demo data.
func LoadDemoData(fsys fs.FS) (Demo, error) {
	var d Demo
	raw, err := fs.ReadFile(fsys, DemoFile)
	if err != nil {
		return d, fmt.Errorf("demo data: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, fmt.Errorf("demo data %s: %w", DemoFile, err)
	}
	for i, s := range d.Systems {
		if err := s.Validate(true); err != nil {
			return d, fmt.Errorf("demo data %s: systems[%d] (%v): %w", DemoFile, i, s.Name, err)
		}
	}
	return d, nil
}

// DemoOptions say where to load the demo and how its administrator signs in.
type DemoOptions struct {
	// Organisation overrides the data file's organisation name.
	Organisation string
	// Password for the demo administrator; empty generates one, shown once.
	Password string
}

// DemoResult says what LoadDemo did and how to sign in.
type DemoResult struct {
	Organisation string
	Existed      bool // the organisation was there already; nothing was added
	AdminEmail   string
	// Password is the administrator's password when this load set it, empty otherwise.
	Password string
	Systems  int
	// Programme says this load added the ISO/IEC 27001 programme and AI work (DemoProgrammeFile).
	Programme bool
}

// demoActor is how the demo appears in the audit trail.
var demoActor = auditlog.System("annexa demo")

// LoadDemo creates the demo organisation with its people and AI systems, then its programme
// (profile, controls, evidence, SoAs, risks, impact assessments). It is idempotent: systems
// are added only to an organisation that has none, the programme only to one without
// controls, so loading twice (or restarting `annexa serve --demo`) never duplicates anything.
func LoadDemo(ctx context.Context, db *store.DB, o DemoOptions) (DemoResult, error) {
	d, err := LoadDemoData(catalogs.FS)
	if err != nil {
		return DemoResult{}, err
	}
	name := d.Organisation
	if o.Organisation != "" {
		name = o.Organisation
	}
	res := DemoResult{Organisation: name, AdminEmail: d.Admin.Email}
	existing, err := db.OrganisationByName(ctx, name)
	switch {
	case err == nil:
		n, err := db.SystemCount(ctx, existing.ID)
		if err != nil {
			return res, err
		}
		if n > 0 {
			// The register is there; the programme is added if an earlier load predates it.
			res.Systems = n
			added, err := loadDemoProgramme(ctx, db, catalogs.FS, existing.ID, time.Now().UTC())
			res.Existed, res.Programme = !added, added
			return res, err
		}
	case fault.Is(err, fault.NotFound):
	default:
		return res, err
	}
	pw := o.Password
	if pw == "" {
		pw = auth.NewSecret()[:20]
	}
	orgID := existing.ID
	if orgID == "" {
		admin := auth.NewUser{Email: d.Admin.Email, Name: d.Admin.Name, Role: auth.Admin, Password: pw}
		if n, err := db.UserCount(ctx); err != nil {
			return res, err
		} else if n == 0 {
			created, _, err := db.Bootstrap(ctx, name, admin, demoActor)
			if err != nil {
				return res, err
			}
			orgID = created.ID
		} else {
			created, err := db.CreateOrganisation(ctx, name, demoActor)
			if err != nil {
				return res, err
			}
			orgID = created.ID
			if _, err := db.AddMember(ctx, orgID, admin, demoActor); err != nil {
				return res, err
			}
			// An address that already had an account keeps its own password.
			if u, err := db.UserByEmail(ctx, d.Admin.Email); err == nil {
				if same, _ := auth.CheckPassword(u.PasswordHash, pw); !same {
					pw = ""
				}
			}
		}
		res.Password = pw
		for _, p := range d.People {
			if _, err := db.AddMember(ctx, orgID, auth.NewUser{Email: p.Email, Name: p.Name, Role: p.Role}, demoActor); err != nil && !fault.Is(err, fault.Conflict) {
				return res, fmt.Errorf("demo person %s: %w", p.Email, err)
			}
		}
	}
	rows := make([]inventory.Row, len(d.Systems))
	for i, s := range d.Systems {
		owner := s.Owner
		rows[i] = inventory.Row{Line: i + 1, OwnerEmail: &owner, Input: s.Input}
	}
	rep, err := db.ImportSystems(ctx, orgID, rows, inventory.ImportOptions{}, demoActor)
	if err != nil {
		return res, fmt.Errorf("demo systems: %w", err)
	}
	res.Systems = rep.Created
	res.Programme, err = loadDemoProgramme(ctx, db, catalogs.FS, orgID, time.Now().UTC())
	return res, err
}

// PrintDemo tells the person who loaded the demo how to sign in.
func PrintDemo(w io.Writer, url string, r DemoResult) {
	if r.Existed {
		fmt.Fprintf(w, "The demo organisation %q is already loaded (%d AI systems); nothing was added.\n", r.Organisation, r.Systems)
		return
	}
	fmt.Fprintf(w, "Loaded the demo organisation %q with %d AI systems.\n", r.Organisation, r.Systems)
	switch {
	case r.Password != "":
		fmt.Fprintf(w, "Sign in at %s/login as %s with the password\n\n    %s\n\n(shown this once).\n", url, r.AdminEmail, r.Password)
	default:
		fmt.Fprintf(w, "Sign in at %s/login as %s with that account's existing password.\n", url, r.AdminEmail)
	}
}
