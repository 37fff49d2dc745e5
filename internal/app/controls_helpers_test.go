package app_test

import (
	"github.com/annexa-dev/annexa/internal/auditlog"
	"github.com/annexa-dev/annexa/internal/control"
	"github.com/annexa-dev/annexa/internal/evidence"
	"github.com/annexa-dev/annexa/internal/soa"
	"github.com/annexa-dev/annexa/internal/store"
)

type storeNewFile = store.NewFile

func auditlogActor(tn tenant) auditlog.Actor {
	return auditlog.Actor{Kind: auditlog.ByUser, UserID: tn.admin.ID, Email: tn.admin.Email}
}

func controlInput(title string) control.Edit { return control.Edit{Title: &title} }

func soaDecision(applicable *bool, why string) soa.Decision {
	return soa.Decision{Applicable: applicable, Justification: why}
}

func evidenceParsed(title string) evidence.Parsed { return evidence.Parsed{Title: title} }

func evidenceStore(s *server, data []byte) (string, error) {
	return evidence.Store(bg, s.main.DB.EvidenceBlobs(), data)
}
