package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/fault"
	"github.com/annexa-dev/annexa/internal/risk"
)

// RiskSuggestions lists the risks suggested for an AI system from its classification and facts,
// with what people have done with each.
func (db *DB) RiskSuggestions(ctx context.Context, orgID, systemID string) ([]risk.Suggestion, error) {
	return riskSuggestions(ctx, db.r, orgID, systemID)
}

func riskSuggestions(ctx context.Context, q querier, orgID, systemID string) ([]risk.Suggestion, error) {
	sys, err := system(ctx, q, orgID, systemID)
	if err != nil {
		return nil, err
	}
	m, err := riskMethod(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT template_id, state, risk_id FROM risk_suggestions WHERE org_id = $1 AND system_id = $2`, orgID, systemID)
	if err != nil {
		return nil, fmt.Errorf("read suggestion states: %w", err)
	}
	defer rows.Close()
	states := map[string]risk.SuggestionState{}
	for rows.Next() {
		var s risk.SuggestionState
		if err := rows.Scan(&s.TemplateID, &s.State, &s.RiskID); err != nil {
			return nil, fmt.Errorf("read suggestion states: %w", err)
		}
		states[s.TemplateID] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return risk.Suggest(sys, m, states), nil
}

func findSuggestion(ctx context.Context, tx *sql.Tx, orgID, systemID, templateID string) (risk.Suggestion, error) {
	all, err := riskSuggestions(ctx, tx, orgID, systemID)
	if err != nil {
		return risk.Suggestion{}, err
	}
	for _, s := range all {
		if s.ID == templateID {
			return s, nil
		}
	}
	return risk.Suggestion{}, fault.NotFoundf("risk suggestion", templateID)
}

func setSuggestionState(ctx context.Context, tx *sql.Tx, orgID, systemID, templateID, state, riskID string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO risk_suggestions (org_id, system_id, template_id, state, risk_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (org_id, system_id, template_id) DO UPDATE SET state = excluded.state, risk_id = excluded.risk_id, updated_at = excluded.updated_at`,
		orgID, systemID, templateID, state, riskID, now())
	if err != nil {
		return fmt.Errorf("record suggestion: %w", err)
	}
	return nil
}

// AcceptSuggestion creates a risk from a suggestion for an AI system, with the person's edits,
// and remembers it so the suggestion is not offered again.
func (db *DB) AcceptSuggestion(ctx context.Context, orgID, systemID, templateID string, edits risk.Input, actor auditlog.Actor) (risk.Risk, error) {
	var out risk.Risk
	err := db.write(ctx, func(tx *sql.Tx) error {
		s, err := findSuggestion(ctx, tx, orgID, systemID, templateID)
		if err != nil {
			return err
		}
		if s.State == risk.SuggestionAccepted {
			return fault.New(fault.Conflict, "the suggestion %q was already accepted for this system as risk %s", templateID, s.RiskID)
		}
		in := risk.FromSuggestion(s, edits)
		if err := in.Validate(true); err != nil {
			return err
		}
		m, err := riskMethod(ctx, tx, orgID)
		if err != nil {
			return err
		}
		out, err = createRisk(ctx, tx, orgID, in, m, actor, now(), "accepted from suggestion "+templateID)
		if err != nil {
			return err
		}
		return setSuggestionState(ctx, tx, orgID, systemID, templateID, risk.SuggestionAccepted, out.ID)
	})
	return out, err
}

// DiscardSuggestion remembers that a person discarded a suggestion for an AI system; restore
// offers it again.
func (db *DB) DiscardSuggestion(ctx context.Context, orgID, systemID, templateID string, restore bool, actor auditlog.Actor) (risk.Suggestion, error) {
	var out risk.Suggestion
	err := db.write(ctx, func(tx *sql.Tx) error {
		s, err := findSuggestion(ctx, tx, orgID, systemID, templateID)
		if err != nil {
			return err
		}
		if s.State == risk.SuggestionAccepted {
			return fault.New(fault.Conflict, "the suggestion %q was accepted as risk %s; delete the risk instead", templateID, s.RiskID)
		}
		before := s.State
		if restore {
			if _, err := tx.ExecContext(ctx, `DELETE FROM risk_suggestions WHERE org_id = $1 AND system_id = $2 AND template_id = $3`, orgID, systemID, templateID); err != nil {
				return fmt.Errorf("restore suggestion: %w", err)
			}
			s.State = risk.SuggestionNew
		} else {
			if err := setSuggestionState(ctx, tx, orgID, systemID, templateID, risk.SuggestionDiscarded, ""); err != nil {
				return err
			}
			s.State = risk.SuggestionDiscarded
		}
		out = s
		return appendAudit(ctx, tx, change{OrgID: orgID, Actor: actor, Action: auditlog.Update, RecordType: "risk_suggestion",
			RecordID: systemID + "/" + templateID, Before: map[string]string{"state": before}, After: map[string]string{"state": s.State}})
	})
	return out, err
}

// OrgEmails maps the organisation's people's ids to their e-mail addresses.
func (db *DB) OrgEmails(ctx context.Context, orgID string) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT u.id, u.email FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read people: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, email string
		if err := rows.Scan(&id, &email); err != nil {
			return nil, err
		}
		out[id] = email
	}
	return out, rows.Err()
}

// ImportRisks creates and updates risks from file rows in one transaction: every row is checked
// first (shape, owner, references, scores against the method) and any problem refuses the whole
// file, naming each as rows[<line>].<column>; nothing changes. A dry run checks and reports only.
func (db *DB) ImportRisks(ctx context.Context, orgID string, rows []risk.Row, dryRun bool, actor auditlog.Actor) (risk.ImportSummary, error) {
	rep := risk.ImportSummary{DryRun: dryRun}
	emails, err := db.OrgEmails(ctx, orgID)
	if err != nil {
		return rep, err
	}
	byEmail := map[string]string{}
	for id, e := range emails {
		byEmail[strings.ToLower(e)] = id
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		m, err := riskMethod(ctx, tx, orgID)
		if err != nil {
			return err
		}
		var problems []fault.FieldError
		for _, row := range rows {
			if len(row.Problems) > 0 {
				problems = append(problems, row.Problems...)
				continue
			}
			in := row.Input
			if row.OwnerEmail != "" {
				id, ok := byEmail[strings.ToLower(row.OwnerEmail)]
				if !ok {
					problems = append(problems, fault.FieldError{Field: risk.RowField(row.Line, "owner"), Message: fmt.Sprintf("%q is not a person of this organisation", row.OwnerEmail)})
					continue
				}
				in.OwnerID = &id
			}
			var rerr error
			if row.ID == "" {
				_, rerr = createRisk(ctx, tx, orgID, in, m, actor, now(), "imported")
				if rerr == nil {
					rep.Created++
				}
			} else {
				rerr = importUpdate(ctx, tx, orgID, row.ID, in, row.ClaimsAccepted, m, actor)
				if rerr == nil {
					rep.Updated++
				}
			}
			if rerr != nil {
				if fault.Is(rerr, fault.Internal) {
					return rerr
				}
				fs := fault.Fields(rerr)
				if len(fs) == 0 {
					fs = []fault.FieldError{{Field: "", Message: fault.Message(rerr)}}
				}
				for _, f := range fs {
					col := f.Field
					if col == "owner_id" {
						col = "owner"
					}
					problems = append(problems, fault.FieldError{Field: risk.RowField(row.Line, col), Message: f.Message})
				}
			}
		}
		if len(problems) > 0 {
			return &fault.Error{Code: fault.Invalid, Message: fmt.Sprintf("the file has %d problem(s); nothing was imported", len(problems)), Fields: problems}
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		rep.Created, rep.Updated = 0, 0
	}
	return rep, err
}

func importUpdate(ctx context.Context, tx *sql.Tx, orgID, id string, in risk.Input, claimsAccepted bool, m risk.Method, actor auditlog.Actor) error {
	after, err := updateRisk(ctx, tx, orgID, id, in, nil, m, actor, "imported")
	if err == nil && claimsAccepted && after.Status != risk.Accepted {
		return &fault.Error{Code: fault.Invalid, Message: "acceptance is not imported", Fields: []fault.FieldError{{Field: "status",
			Message: "says accepted, but the risk is not (or no longer) accepted; accept it through the acceptance form or API"}}}
	}
	if fault.Is(err, fault.NotFound) {
		return &fault.Error{Code: fault.Invalid, Message: "unknown risk", Fields: []fault.FieldError{{Field: "id", Message: fmt.Sprintf("%q is not a risk of this organisation", id)}}}
	}
	return err
}
