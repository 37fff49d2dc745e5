package web

import (
	"net/http"

	"github.com/annexa-dev/annexa/internal/discovery"
	"github.com/annexa-dev/annexa/internal/middleware"
)

func (s *Server) routes() {
	handle := func(pattern string, h http.HandlerFunc) {
		s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			middleware.SetRoute(r, pattern)
			h(w, r)
		})
	}
	handle("GET /static/{file}", s.serveStatic)
	handle("GET /setup", s.setupForm)
	handle("POST /setup", s.setupSubmit)
	handle("GET /login", s.loginForm)
	handle("POST /login", s.loginSubmit)
	handle("POST /logout", s.signedIn(s.logout))
	handle("GET /{$}", s.signedIn(s.home))
	handle("GET /organisation", s.signedIn(s.organisationPage))
	handle("POST /organisation", s.signedIn(s.organisationSubmit))
	handle("GET /people", s.signedIn(s.peoplePage))
	handle("POST /people", s.signedIn(s.peopleAdd))
	handle("POST /people/{id}", s.signedIn(s.peopleUpdate))
	handle("GET /tokens", s.signedIn(s.tokensPage))
	handle("POST /tokens", s.signedIn(s.tokensCreate))
	handle("POST /tokens/{id}/revoke", s.signedIn(s.tokensRevoke))
	handle("GET /audit-log", s.signedIn(s.auditLogPage))
	handle("POST /switch-organisation", s.signedIn(s.switchOrganisation))
	handle("GET /ai-systems", s.signedIn(s.systemsPage))
	handle("GET /ai-systems/new", s.signedIn(s.systemNewForm))
	handle("POST /ai-systems", s.signedIn(s.systemCreate))
	handle("GET /ai-systems/{id}", s.signedIn(s.systemPage))
	handle("GET /ai-systems/{id}/edit", s.signedIn(s.systemEditForm))
	handle("POST /ai-systems/{id}", s.signedIn(s.systemUpdate))
	handle("POST /ai-systems/{id}/reviewed", s.signedIn(s.systemReviewed))
	handle("POST /ai-systems/{id}/delete", s.signedIn(s.systemDelete))
	classifySystem := s.signedIn(s.QuestionnaireFor(s.systemQuestionnaire))
	handle("GET /ai-systems/{id}/classify", classifySystem)
	handle("POST /ai-systems/{id}/classify", classifySystem)
	handle("GET /frameworks", s.signedIn(s.frameworksPage))
	handle("POST /frameworks", s.parseUpload(s.signedIn(s.frameworkImport)))
	handle("GET /frameworks/{id}", s.signedIn(s.frameworkPage))
	handle("GET /frameworks/{id}/items/{item}", s.signedIn(s.frameworkItemPage))
	handle("GET /classify", s.signedIn(s.classifyPage))
	handle("POST /classify", s.signedIn(s.classifyPage))
	handle("GET /discovery", s.signedIn(s.discoveryPage))
	handle("POST /discovery/import", s.parseUploadLimit(discovery.MaxImportBytes+64<<10, s.signedIn(s.discoveryImport)))
	handle("POST /discovery/{id}/accept", s.signedIn(s.discoveryAccept))
	handle("POST /discovery/{id}/merge", s.signedIn(s.discoveryMerge))
	handle("POST /discovery/{id}/dismiss", s.signedIn(s.discoveryDismiss))
	handle("GET /risks", s.signedIn(s.risksPage))
	handle("GET /risks/new", s.signedIn(s.riskNewForm))
	handle("POST /risks", s.signedIn(s.riskCreate))
	handle("GET /risks/heatmap", s.signedIn(s.riskHeatMapPage))
	handle("GET /risks/due", s.signedIn(s.dueForReviewPage))
	handle("GET /risks/{id}", s.signedIn(s.riskPage))
	handle("GET /risks/{id}/edit", s.signedIn(s.riskEditForm))
	handle("POST /risks/{id}", s.signedIn(s.riskUpdate))
	handle("POST /risks/{id}/accept", s.signedIn(s.riskAccept))
	handle("POST /risks/{id}/delete", s.signedIn(s.riskDelete))
	handle("GET /risk-method", s.signedIn(s.riskMethodPage))
	handle("POST /risk-method", s.signedIn(s.riskMethodSubmit))
	handle("POST /ai-systems/{id}/risk-suggestions/{template}/{action}", s.signedIn(s.suggestionAction))
}
