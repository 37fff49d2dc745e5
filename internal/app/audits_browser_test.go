package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/annexa-dev/annexa/internal/auth"
	"github.com/annexa-dev/annexa/internal/store/storetest"
)

// TestBrowserAuditJourney plans an audit, starts it, records a nonconformity, raises a
// corrective action from it and finds that action on the list, in a real browser.
func TestBrowserAuditJourney(t *testing.T) {
	ctx := newBrowser(t)
	s := start(t, storetest.Engines()[0])
	tn := s.bootstrap("Acme")
	var status, findings, callout, flash, rows string
	step := browserSteps(t, ctx)
	step("sign in", signInActions(s.url, tn.users[auth.ComplianceManager].Email)...)
	step("plan an audit",
		chromedp.Click(chromedp.CSS(`.mainnav a[href="/audits"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#plan-h`)),
		chromedp.SendKeys(chromedp.CSS(`#title`), "Internal audit 2026"),
		chromedp.SetValue(chromedp.CSS(`#planned_start`), "2026-01-12"),
		chromedp.SetValue(chromedp.CSS(`#planned_end`), "2026-01-16"),
		screenshot("30-audits"),
		chromedp.Click(chromedp.CSS(`form.plan-audit button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/start"] button`)))
	step("start it",
		chromedp.Click(chromedp.CSS(`form[action$="/start"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#requirement`)),
		text(`.page-head .status`, &status))
	step("record a nonconformity",
		chromedp.SetValue(chromedp.CSS(`#requirement`), "iso42001-2023:9.2"),
		chromedp.SetValue(chromedp.CSS(`#kind`), "minor_nonconformity"),
		chromedp.SendKeys(chromedp.CSS(`#statement`), "The AIMS audit criteria are not defined."),
		chromedp.Click(chromedp.CSS(`form.finding-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.raise`)),
		text(`table.findings tbody`, &findings),
		screenshot("31-audit"))
	step("raise a corrective action",
		chromedp.Click(chromedp.CSS(`a.raise`)),
		chromedp.WaitVisible(chromedp.CSS(`#raise-h`)),
		text(`form.raise-action .callout`, &callout),
		chromedp.Clear(chromedp.CSS(`#title`)),
		chromedp.SendKeys(chromedp.CSS(`#title`), "Define the AIMS audit criteria"),
		chromedp.SetValue(chromedp.CSS(`#due_on`), "2026-02-27"),
		screenshot("32-raise"),
		chromedp.Click(chromedp.CSS(`form.raise-action button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#edit-h`)),
		text(`.flash`, &flash))
	step("see it on the list",
		chromedp.Click(chromedp.CSS(`.subnav a[href="/corrective-actions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#actions table`)),
		text(`#actions tbody`, &rows),
		screenshot("33-corrective-actions"))
	if status != "In progress" {
		t.Errorf("status after starting: %q", status)
	}
	if !strings.Contains(findings, "Internal audit") || !strings.Contains(findings, "Minor nonconformity") {
		t.Errorf("findings: %q", findings)
	}
	if !strings.Contains(callout, "iso42001-2023:9.2") || !strings.Contains(callout, "Internal audit 2026") {
		t.Errorf("the form does not say which finding it answers: %q", callout)
	}
	if !strings.Contains(flash, "recorded, due 2026-02-27") {
		t.Errorf("flash after raising: %q", flash)
	}
	if !strings.Contains(rows, "Define the AIMS audit criteria") || !strings.Contains(rows, "Internal audit 2026") || !strings.Contains(rows, "Open") {
		t.Errorf("corrective actions list: %q", rows)
	}
}
