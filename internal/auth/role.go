package auth

import (
	"slices"
	"strings"
)

// Role is what a person may do within one organisation.
type Role string

const (
	Admin             Role = "admin"
	ComplianceManager Role = "compliance_manager"
	AISystemOwner     Role = "ai_system_owner"
	Auditor           Role = "auditor"
	Viewer            Role = "viewer"
)

// Roles lists every role, most powerful first.
var Roles = []Role{Admin, ComplianceManager, AISystemOwner, Auditor, Viewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Label is the role's name for people.
func (r Role) Label() string {
	switch r {
	case Admin:
		return "Administrator"
	case ComplianceManager:
		return "Compliance manager"
	case AISystemOwner:
		return "AI system owner"
	case Auditor:
		return "Auditor"
	case Viewer:
		return "Viewer"
	}
	return string(r)
}

// RoleNames lists the role ids, for messages and the API document.
func RoleNames() string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Permission is one thing a route or action requires.
type Permission string

const (
	// ReadRecords lets a person read the organisation's governed records.
	ReadRecords Permission = "records:read"
	// EditOrganisation lets a person change the organisation profile: scopes and AI roles.
	EditOrganisation Permission = "organisation:write"
	// ManageUsers lets a person add, change and disable the organisation's people.
	ManageUsers Permission = "users:manage"
	// ReadAuditLog lets a person read and verify the audit trail.
	ReadAuditLog Permission = "audit_log:read"
	// UseTokens lets a person create, list and revoke their own API tokens.
	UseTokens Permission = "tokens:own"
	// ManageTokens lets a person list and revoke every token of the organisation.
	ManageTokens Permission = "tokens:manage"
	// ManageInventory lets a person register and change AI systems; an AI system owner only
	// the systems they own.
	ManageInventory Permission = "inventory:write"
	// ManageCatalogs lets a person import, replace and remove the organisation's own
	// framework catalogs (OSCAL).
	ManageCatalogs Permission = "catalogs:manage"
	// ManageRisks lets a person register, assess and treat risks; an AI system owner only the
	// risks of systems they own. Who may accept a risk is set by the risk acceptance criteria.
	ManageRisks Permission = "risks:write"
	// ConfigureRiskMethod lets a person change the organisation's risk method and criteria.
	ConfigureRiskMethod Permission = "risk_method:write"
	// ManageAssessments lets a person draft and submit AI system impact assessments.
	ManageAssessments Permission = "assessments:write"
	// ApproveAssessments lets a person approve or return an impact assessment in review.
	ApproveAssessments Permission = "assessments:approve"
	// ManageControls lets a person maintain the control set and the Statements of Applicability.
	ManageControls Permission = "controls:write"
	// ApproveSoA lets a person approve a Statement of Applicability version.
	ApproveSoA Permission = "soa:approve"
	// ManageEvidence lets a person upload evidence and link it to records.
	ManageEvidence Permission = "evidence:write"
	// ManageAudits lets a person plan and run internal audits, record findings and check the
	// effectiveness of corrective actions.
	ManageAudits Permission = "audits:write"
	// ManageCorrectiveActions lets a person record and work on corrective actions.
	ManageCorrectiveActions Permission = "corrective_actions:write"
	// ManageReviews lets a person prepare management review minutes.
	ManageReviews Permission = "management_reviews:write"
	// ApproveReviews lets a person approve management review minutes, for top management.
	ApproveReviews Permission = "management_reviews:approve"
	// ManageMonitoring lets a person (or a pipeline's token) define metrics, push or compute
	// observations, log human oversight and act on alerts.
	ManageMonitoring Permission = "monitoring:write"
)

// Permissions lists every permission, for documents and checks.
var Permissions = []Permission{ReadRecords, EditOrganisation, ManageUsers, ReadAuditLog, UseTokens, ManageTokens, ManageInventory, ManageCatalogs,
	ManageRisks, ConfigureRiskMethod, ManageAssessments, ApproveAssessments, ManageControls, ApproveSoA, ManageEvidence,
	ManageAudits, ManageCorrectiveActions, ManageReviews, ApproveReviews, ManageMonitoring}

// grants is the role model. The auditor reads everything in scope, including the audit trail,
// and changes only the audit programme: audits, findings and effectiveness checks. Approving
// management review minutes is for administrators, standing in for top management.
var grants = map[Role][]Permission{
	Admin: {ReadRecords, EditOrganisation, ManageUsers, ReadAuditLog, UseTokens, ManageTokens, ManageInventory, ManageCatalogs,
		ManageRisks, ConfigureRiskMethod, ManageAssessments, ApproveAssessments, ManageControls, ApproveSoA, ManageEvidence,
		ManageAudits, ManageCorrectiveActions, ManageReviews, ApproveReviews, ManageMonitoring},
	ComplianceManager: {ReadRecords, EditOrganisation, ReadAuditLog, UseTokens, ManageInventory, ManageCatalogs,
		ManageRisks, ConfigureRiskMethod, ManageAssessments, ApproveAssessments, ManageControls, ApproveSoA, ManageEvidence,
		ManageAudits, ManageCorrectiveActions, ManageReviews, ManageMonitoring},
	AISystemOwner: {ReadRecords, UseTokens, ManageInventory, ManageRisks, ManageAssessments, ManageEvidence, ManageCorrectiveActions, ManageMonitoring},
	Auditor:       {ReadRecords, ReadAuditLog, UseTokens, ManageAudits},
	Viewer:        {ReadRecords, UseTokens},
}

// Can reports whether r holds p.
func (r Role) Can(p Permission) bool { return slices.Contains(grants[r], p) }

// Permissions lists what r holds.
func (r Role) Permissions() []Permission { return slices.Clone(grants[r]) }
